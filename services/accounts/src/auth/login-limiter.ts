import { Inject, Injectable } from '@nestjs/common';
import { LiveConfig } from '@platform/live-config';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';
import { AuthSettings } from '../auth-settings.js';
import { type AddressScope, addressBuckets } from './client-address.js';

/*
 * Both scripts take the same keys, in this order:
 *   KEYS[1]   the account's successes          (counter, fixed window)
 *   KEYS[2]   the email's failures             (counter, the soft budget)
 *   KEYS[3]   the email's delay                (a flag whose TTL is the wait)
 *   KEYS[4..] hard failure budgets: the email and address pair, then each address bucket
 * Counters are fixed windows that start at their first count. A counter found without a TTL
 * (it cannot happen, but a lost PEXPIRE would lock forever) is given one.
 */
const COMMON = `
local function count(key) return tonumber(redis.call('GET', key) or '0') end
local function left(key, window)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then redis.call('PEXPIRE', key, window); return window end
  return ttl
end
`;

/**
 * Charges one attempt to every failure budget, or to none. ARGV: the success limit and window
 * (ms); the email's free failures, window, first delay and longest delay (ms); then a limit and
 * a window (ms) for each hard budget. Returns 0 when the attempt may go ahead, otherwise the
 * milliseconds until the longest refusal ends (nothing charged).
 *
 * Past the email's free failures, each charged attempt sets the email's delay (the first
 * delay, doubled per failure past the budget, capped) and starts the email's window again, so
 * a sustained attack never earns a fresh budget, and concurrent attempts get one through per
 * delay. The success limit is checked here too, to spare a hash that could not log in.
 */
const RESERVE = `${COMMON}
local successLimit, successWindow = tonumber(ARGV[1]), tonumber(ARGV[2])
local emailFree, emailWindow = tonumber(ARGV[3]), tonumber(ARGV[4])
local firstDelay, longestDelay = tonumber(ARGV[5]), tonumber(ARGV[6])
local wait = 0
local function refuse(ms) if ms > wait then wait = ms end end

if count(KEYS[1]) >= successLimit then refuse(left(KEYS[1], successWindow)) end
local delay = redis.call('PTTL', KEYS[3])
if delay > 0 then refuse(delay) end
for i = 4, #KEYS do
  local limit, window = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  if count(KEYS[i]) >= limit then refuse(left(KEYS[i], window)) end
end
if wait > 0 then return wait end

for i = 4, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i]) end
end
local failures = redis.call('INCR', KEYS[2])
if failures == 1 or failures >= emailFree then redis.call('PEXPIRE', KEYS[2], emailWindow) end
if failures >= emailFree then
  local ms = math.min(firstDelay * 2 ^ math.min(failures - emailFree, 40), longestDelay)
  redis.call('SET', KEYS[3], '1', 'PX', math.floor(ms))
end
return 0
`;

/**
 * The attempt succeeded: gives its charge back to every failure budget, lifts the email's
 * delay, and counts the success. ARGV: the success limit and window (ms). Returns 0, or, when
 * concurrent successes went past the limit, the milliseconds until it frees up (this one then
 * not counted: the login is refused).
 */
const SUCCEED = `${COMMON}
local function giveBack(key)
  local n = count(key)
  if n > 1 then redis.call('DECR', key) elseif n == 1 then redis.call('DEL', key) end
end
giveBack(KEYS[2])
redis.call('DEL', KEYS[3])
for i = 4, #KEYS do giveBack(KEYS[i]) end

local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local successes = redis.call('INCR', KEYS[1])
if successes == 1 then redis.call('PEXPIRE', KEYS[1], window) end
if successes > limit then
  redis.call('DECR', KEYS[1])
  return left(KEYS[1], window)
end
return 0
`;

type ScriptedRedis = Redis & {
  accountsReserveLogin(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
  accountsLoginSucceeded(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
};

export type Reservation = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Which setting holds the failure budget of each kind of address bucket. */
const ADDRESS_BUDGET = {
  ipv4: 'loginIpv4MaxFailures',
  'ipv6/64': 'loginIpv6Net64MaxFailures',
  'ipv6/56': 'loginIpv6Net56MaxFailures',
  'ipv6/48': 'loginIpv6Net48MaxFailures',
} as const satisfies Record<AddressScope, keyof typeof AuthSettings.fields.shape>;

/**
 * Login limits, all from live config (`auth.login*`, read on every call, so a change applies
 * to the next attempt):
 * - one email from one address (IPv4, IPv6 /64): a hard limit, the one an attacker at one
 *   address meets;
 * - one email from every address: past a budget, growing but capped delays, never a lock, so
 *   others' failures cannot keep the owner out for long;
 * - one address bucket (IPv4; IPv6 /64, /56, /48) for every email: hard, but larger budgets,
 *   since a NAT or proxy address holds many users;
 * - one account's successful logins, so a stolen password cannot mint sessions at will.
 *
 * An attempt is charged *before* the password is checked and given back if it succeeds: so
 * N concurrent guesses can never all pass a check made before any of them failed, and the
 * failure counters hold failures only. Each step is one Lua script over every key: one round
 * trip, atomic across every accounts replica.
 *
 * Why hand-written Lua and not rate-limiter-flexible: each of its Redis limiters is one round
 * trip, so checking five budgets would be five steps, not atomic together (an attempt could be
 * charged to some budgets and refused by another, and concurrent attempts could slip between
 * them); it has no delay that grows per failure with a cap that is not a lock; and its
 * limiters fix their points and duration when built, while here they are read on every call.
 */
@Injectable()
export class LoginLimiter {
  private readonly redis: ScriptedRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: LiveConfig,
  ) {
    // No fixed number of keys: an IPv4 address is one bucket, an IPv6 address three.
    redis.defineCommand('accountsReserveLogin', { lua: RESERVE });
    redis.defineCommand('accountsLoginSucceeded', { lua: SUCCEED });
    this.redis = redis as ScriptedRedis;
  }

  /** One round trip: either the attempt is charged to every failure budget, or it is refused. */
  async reserve(email: string, clientAddress: string): Promise<Reservation> {
    const { keys, hardBudgets } = this.keysOf(email, clientAddress);
    const waitMs = await this.redis.accountsReserveLogin(
      keys.length,
      ...keys,
      ...this.successBudget(),
      this.setting('loginEmailMaxFailures'),
      this.setting('loginEmailWindowSeconds') * 1_000,
      this.setting('loginEmailDelaySeconds') * 1_000,
      this.setting('loginEmailMaxDelaySeconds') * 1_000,
      ...hardBudgets,
    );
    return reservation(waitMs);
  }

  /**
   * The password was right: the attempt was no failure. Refused when the account already
   * logged in `auth.loginMaxSuccesses` times in the window (concurrent logins included).
   */
  async succeeded(email: string, clientAddress: string): Promise<Reservation> {
    const { keys } = this.keysOf(email, clientAddress);
    return reservation(await this.redis.accountsLoginSucceeded(keys.length, ...keys, ...this.successBudget()));
  }

  /**
   * The owner proved control of the mailbox (a password reset): forgets the email's failures,
   * its delay and its successes, which whoever held the old password may have used up.
   */
  async forgetEmail(email: string): Promise<void> {
    await this.redis.del(AccountsKeys.loginFailuresByEmail(email), AccountsKeys.loginDelayByEmail(email), AccountsKeys.loginSuccessesByEmail(email));
  }

  /** The keys in the scripts' order, and a [limit, window ms] for each hard budget among them. */
  private keysOf(email: string, clientAddress: string) {
    const buckets = addressBuckets(clientAddress);
    const addressWindowMs = this.setting('loginAddressWindowSeconds') * 1_000;
    return {
      keys: [
        AccountsKeys.loginSuccessesByEmail(email),
        AccountsKeys.loginFailuresByEmail(email),
        AccountsKeys.loginDelayByEmail(email),
        AccountsKeys.loginFailuresByEmailAndAddress(email, buckets[0]!.bucket),
        ...buckets.map(({ bucket }) => AccountsKeys.loginFailuresByAddress(bucket)),
      ],
      hardBudgets: [
        this.setting('loginMaxAttempts'),
        this.setting('loginWindowSeconds') * 1_000,
        ...buckets.flatMap(({ scope }) => [this.setting(ADDRESS_BUDGET[scope]), addressWindowMs]),
      ],
    };
  }

  private successBudget(): [number, number] {
    return [this.setting('loginMaxSuccesses'), this.setting('loginSuccessWindowSeconds') * 1_000];
  }

  private setting(key: keyof typeof AuthSettings.fields.shape): number {
    return this.config.get(AuthSettings, key);
  }
}

function reservation(waitMs: number): Reservation {
  return waitMs === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1_000) };
}
