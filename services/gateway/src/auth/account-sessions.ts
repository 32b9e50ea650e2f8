import { Inject, Injectable } from '@nestjs/common';
import { LiveConfig } from '@platform/live-config';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { sessionKey, unavailableOnError } from './redis-session.store.js';
import { SessionSettings } from './session-settings.js';

/**
 * Sorted set: the Redis keys of an account's sessions (see sessionKey), each scored by when it
 * expires (Unix ms with a microsecond fraction, so that two logins in one millisecond keep
 * their order; Redis' clock); it expires with the session that lives longest.
 *
 * A new name rather than the old `gateway:account-sessions:<id>`, which the previous version
 * kept as a plain set: reusing it would make every login of an account that logged in before
 * the upgrade fail with WRONGTYPE until that set expired. The old sets are only read by
 * endAll (legacyAccountSessionsKey) and expire on their own.
 */
export function accountSessionsKey(accountId: string): string {
  return `gateway:account-sessions-by-expiry:${accountId}`;
}

/**
 * The previous version's index (a set of session keys, TTL SESSION_MAX_AGE_SECONDS from the
 * last login). Nothing writes it any more; once a gateway of this version has run for
 * SESSION_MAX_AGE_SECONDS, every one has expired and this (and END_LEGACY_BATCH) can go.
 */
function legacyAccountSessionsKey(accountId: string): string {
  return `gateway:account-sessions:${accountId}`;
}

/** How many sessions endAll ends per command: no single command holds Redis for an account with many. */
export const END_BATCH_SIZE = 500;

/*
 * The scripts below also UNLINK session keys they read from the index, which they cannot
 * declare in KEYS: fine on the platform's Redis (one primary, Sentinel for failover), not on
 * Redis Cluster, where the session and index keys would need one hash tag per account.
 */

/**
 * Saves a logged-in session and indexes it, in one atomic step: the session is never in Redis
 * without its index entry, so concurrent logins on any number of replicas are capped exactly.
 * Then drops the entries of sessions that expired, and if the account is over its cap: the
 * entries of sessions that ended some other way (a second login in the same browser, a
 * session refused for an old credential epoch), then the sessions that expire first (the
 * oldest, as every session lives as long) until the cap holds. The index expires with its
 * longest-lived session. Scores use Redis' clock, the one the keys' TTLs run on.
 * KEYS: session, index. ARGV: the session JSON, its TTL in ms, the cap. Answers how many it ended.
 */
const SAVE_SESSION = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local ttl = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], string.format('%.3f', now + ttl), KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%.3f', now))
local ended = 0
if redis.call('ZCARD', KEYS[2]) > cap then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    if redis.call('EXISTS', member) == 0 then redis.call('ZREM', KEYS[2], member) end
  end
  local excess = redis.call('ZCARD', KEYS[2]) - cap
  if excess > 0 then
    local oldest = redis.call('ZPOPMIN', KEYS[2], excess)
    for i = 1, #oldest, 2 do ended = ended + redis.call('UNLINK', oldest[i]) end
  end
end
local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], string.format('%.0f', math.ceil(tonumber(newest[2]))))
return ended
`;

/**
 * Ends up to ARGV[2] sessions of the index whose expiry is at most ARGV[1], and drops their
 * entries. KEYS: index. Answers how many entries it took (fewer than ARGV[2]: none left).
 */
const END_BATCH = `
local members = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
if #members > 0 then
  redis.call('UNLINK', unpack(members))
  redis.call('ZREM', KEYS[1], unpack(members))
end
return #members
`;

/** The same over the previous version's set (see legacyAccountSessionsKey). KEYS: the set. ARGV: batch size. */
const END_LEGACY_BATCH = `
local members = redis.call('SPOP', KEYS[1], tonumber(ARGV[1]))
if #members > 0 then redis.call('UNLINK', unpack(members)) end
return #members
`;

/** The index's scripts, sent once and run by their SHA (ioredis defineCommand). */
type IndexRedis = Redis & {
  gatewaySaveAccountSession(session: string, index: string, json: string, ttlMs: number, cap: number): Promise<number>;
  gatewayEndAccountSessions(index: string, upToScore: string, batchSize: number): Promise<number>;
  gatewayEndLegacyAccountSessions(index: string, batchSize: number): Promise<number>;
};

/**
 * Which sessions belong to which account: at most `sessions.maxPerAccount` (live config) at
 * once, the login that makes one more ending the oldest; and every one of them ended when the
 * password is reset, on every replica (they share Redis). The index holds session keys, never
 * session ids, like the store. Its size is bounded by the cap: entries of expired sessions
 * are dropped at each login, and the index expires with its longest-lived session.
 */
@Injectable()
export class AccountSessions {
  private readonly redis: IndexRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly liveConfig: LiveConfig,
  ) {
    redis.defineCommand('gatewaySaveAccountSession', { numberOfKeys: 2, lua: SAVE_SESSION });
    redis.defineCommand('gatewayEndAccountSessions', { numberOfKeys: 1, lua: END_BATCH });
    redis.defineCommand('gatewayEndLegacyAccountSessions', { numberOfKeys: 1, lua: END_LEGACY_BATCH });
    this.redis = redis as IndexRedis;
  }

  /**
   * Stores a session of the account (RedisSessionStore calls it for every session with a
   * user) and ends the oldest beyond the cap, in one round trip. Answers how many it ended.
   */
  async save(accountId: string, sessionId: string, json: string, ttlSeconds: number): Promise<number> {
    const cap = this.liveConfig.get(SessionSettings, 'maxPerAccount');
    return unavailableOnError(this.redis.gatewaySaveAccountSession(sessionKey(sessionId), accountSessionsKey(accountId), json, ttlSeconds * 1_000, cap));
  }

  /** Takes a session out of the index (logout; the caller deletes the session). */
  async remove(accountId: string, sessionId: string): Promise<void> {
    await unavailableOnError(this.redis.zrem(accountSessionsKey(accountId), sessionKey(sessionId)));
  }

  /**
   * Deletes every session the account has now, END_BATCH_SIZE per command (UNLINK: the memory
   * is freed off Redis' main thread), so an account with many sessions never blocks Redis with
   * one huge command. Sessions made while it runs expire later than any it found, and stay:
   * a login with the new password right after a reset is not thrown out.
   */
  async endAll(accountId: string): Promise<void> {
    const index = accountSessionsKey(accountId);
    const [, newestExpiry] = await unavailableOnError(this.redis.zrange(index, '-1', '-1', 'WITHSCORES'));
    if (newestExpiry !== undefined) await inBatches(() => this.redis.gatewayEndAccountSessions(index, newestExpiry, END_BATCH_SIZE));
    const legacy = legacyAccountSessionsKey(accountId);
    await inBatches(() => this.redis.gatewayEndLegacyAccountSessions(legacy, END_BATCH_SIZE));
  }
}

/** Runs `batch` until it takes fewer than END_BATCH_SIZE (nothing is left). */
async function inBatches(batch: () => Promise<number>): Promise<void> {
  let taken: number;
  do taken = await unavailableOnError(batch());
  while (taken === END_BATCH_SIZE);
}
