import { Inject, Injectable } from '@nestjs/common';
import { LiveConfig } from '@platform/live-config';
import { AuthSettings } from '../auth-settings.js';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';
import { addressBucket } from './client-address.js';

/**
 * Takes one attempt from the email's and the address's budgets, or none: one atomic step
 * over both counters (fixed windows that start at the first failure).
 * KEYS: the email's and the address's failure counters. ARGV: limit, window in ms.
 * Returns 0 when the attempt may go ahead (both counters were incremented), otherwise the
 * milliseconds until the longest-blocked counter expires (nothing incremented).
 *
 * Why a script and not rate-limiter-flexible: its Redis limiters take one round trip each,
 * so checking the email and the address would be two non-atomic steps (an attempt could be
 * charged to one budget and refused by the other), and each limiter fixes its points and
 * duration when built, while here the limit and the window come from live config on every
 * call. This is one round trip, and a config change applies to the very next attempt.
 */
const RESERVE = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= limit then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, window)
      ttl = window
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, window) end
end
return 0
`;

/** Gives back an attempt that turned out to succeed (never below zero, never without TTL). */
const RELEASE = `
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count > 1 then redis.call('DECR', key) elseif count == 1 then redis.call('DEL', key) end
end
return 0
`;

type ScriptedRedis = Redis & {
  accountsReserveLogin(emailKey: string, addressKey: string, limit: number, windowMs: number): Promise<number>;
  accountsReleaseLogin(emailKey: string, addressKey: string): Promise<number>;
};

export type Reservation = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Login limits (`auth.loginMaxAttempts` failures per `auth.loginWindowSeconds`, per email
 * and per client address, from live config). The attempt is charged *before* the password
 * is checked and given back if it succeeds: that way N concurrent guesses can never all pass
 * a check made before any of them failed, and the counters hold failures only.
 */
@Injectable()
export class LoginLimiter {
  private readonly redis: ScriptedRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: LiveConfig,
  ) {
    redis.defineCommand('accountsReserveLogin', { numberOfKeys: 2, lua: RESERVE });
    redis.defineCommand('accountsReleaseLogin', { numberOfKeys: 2, lua: RELEASE });
    this.redis = redis as ScriptedRedis;
  }

  /** One round trip: either the attempt is charged to both budgets, or it is refused. */
  async reserve(email: string, clientAddress: string): Promise<Reservation> {
    const waitMs = await this.redis.accountsReserveLogin(
      AccountsKeys.loginFailuresByEmail(email),
      AccountsKeys.loginFailuresByAddress(addressBucket(clientAddress)),
      this.config.get(AuthSettings, 'loginMaxAttempts'),
      this.config.get(AuthSettings, 'loginWindowSeconds') * 1_000,
    );
    return waitMs === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1_000) };
  }

  /** The attempt succeeded: it was not a failure. */
  async release(email: string, clientAddress: string): Promise<void> {
    await this.redis.accountsReleaseLogin(
      AccountsKeys.loginFailuresByEmail(email),
      AccountsKeys.loginFailuresByAddress(addressBucket(clientAddress)),
    );
  }

  /** Forgets the email's failures (its owner proved control of the mailbox). */
  async forgetEmail(email: string): Promise<void> {
    await this.redis.del(AccountsKeys.loginFailuresByEmail(email));
  }
}
