import { Inject, Injectable } from '@nestjs/common';
import type { ConfigSectionValues } from '@platform/contracts';
import { clientNetworks, type NetworkScope } from '@platform/http';
import { LiveConfig } from '@platform/live-config';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';
import { AuthSettings } from '../auth-settings.js';

/** How many known addresses an account keeps (the newest): the key's size stays bounded. */
const KNOWN_ADDRESSES_KEPT = 10;

/*
 * Both scripts take the same keys and arguments. KEYS:
 *   [1]    the account's successes            (counter)
 *   [2]    the email's failures               (counter: the soft budget)
 *   [3]    the email's delay                  (a flag whose TTL is the wait)
 *   [4]    the account's known addresses      (sorted set: bucket -> known until, ms)
 *   [5..]  hard failure budgets: the email and address pair, then each address bucket
 * ARGV: [1] the success limit, [2] its window; [3] the email's free failures, [4] its window,
 * [5] the first delay, [6] the longest delay; [7] the finest address bucket, [8] how long an
 * address stays known (0: never known); then a limit and a window for each hard budget, in
 * the order of KEYS[5..]. Durations in ms. Counters are fixed windows that start at their
 * first count; one found without a TTL (a lost PEXPIRE would lock forever) is given one.
 */
const COMMON = `
local function count(key) return tonumber(redis.call('GET', key) or '0') end
local function left(key, window)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then redis.call('PEXPIRE', key, window); return window end
  return ttl
end
local function nowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local successLimit, successWindow = tonumber(ARGV[1]), tonumber(ARGV[2])
local emailFree, emailWindow = tonumber(ARGV[3]), tonumber(ARGV[4])
local firstDelay, longestDelay = tonumber(ARGV[5]), tonumber(ARGV[6])
local bucket, knownFor = ARGV[7], tonumber(ARGV[8])
local function hardLimit(i) return tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i]) end
`;

/**
 * Charges one attempt to every failure budget, or to none. Returns 0 when the attempt may go
 * ahead, otherwise the milliseconds until the longest refusal ends (nothing charged).
 *
 * Past the email's free failures, each charged attempt sets the email's delay (the first
 * delay, doubled per failure past the budget, capped) and starts the email's window again, so
 * a sustained attack never earns a fresh budget, and concurrent attempts get one through per
 * delay. The delay does not apply at an address the account logged in from lately. The
 * success limit is checked here too, to spare a hash that could not log in.
 */
const RESERVE = `${COMMON}
local wait = 0
local function refuse(ms) if ms > wait then wait = ms end end

if count(KEYS[1]) >= successLimit then refuse(left(KEYS[1], successWindow)) end
local delay = redis.call('PTTL', KEYS[3])
if delay > 0 then
  local knownUntil = tonumber(redis.call('ZSCORE', KEYS[4], bucket) or '0')
  if knownFor == 0 or knownUntil <= nowMs() then refuse(delay) end
end
for i = 5, #KEYS do
  local limit, window = hardLimit(i)
  if count(KEYS[i]) >= limit then refuse(left(KEYS[i], window)) end
end
if wait > 0 then return wait end

for i = 5, #KEYS do
  local _, window = hardLimit(i)
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], window) end
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
 * delay, and counts the success. Returns 0, or, when concurrent successes went past the limit,
 * the milliseconds until it frees up (this one then not counted: the login is refused). An
 * admitted success makes its address known, keeping the newest few.
 */
const SUCCEED = `${COMMON}
local function giveBack(key)
  local n = count(key)
  if n > 1 then redis.call('DECR', key) elseif n == 1 then redis.call('DEL', key) end
end
giveBack(KEYS[2])
redis.call('DEL', KEYS[3])
for i = 5, #KEYS do giveBack(KEYS[i]) end

local successes = redis.call('INCR', KEYS[1])
if successes == 1 then redis.call('PEXPIRE', KEYS[1], successWindow) end
if successes > successLimit then
  redis.call('DECR', KEYS[1])
  return left(KEYS[1], successWindow)
end
if knownFor > 0 then
  local now = nowMs()
  redis.call('ZADD', KEYS[4], now + knownFor, bucket)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(${KNOWN_ADDRESSES_KEPT} + 1))
  redis.call('PEXPIRE', KEYS[4], knownFor)
end
return 0
`;

type ScriptedRedis = Redis & {
  accountsReserveLogin(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
  accountsLoginSucceeded(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
};

export type Reservation = { allowed: true } | { allowed: false; retryAfterSeconds: number };

type LoginSetting = keyof ConfigSectionValues<typeof AuthSettings>;

/** Which setting holds the failure budget of each kind of address bucket. */
const ADDRESS_BUDGET = {
  ipv4: 'loginIpv4MaxFailures',
  'ipv6/64': 'loginIpv6Net64MaxFailures',
  'ipv6/56': 'loginIpv6Net56MaxFailures',
  'ipv6/48': 'loginIpv6Net48MaxFailures',
} as const satisfies Record<NetworkScope, LoginSetting>;

/**
 * Login limits, all from live config (`auth.login*`, read on every call, so a change applies
 * to the next attempt):
 * - one email from one address (IPv4, IPv6 /64): a hard limit, the one an attacker at one
 *   address meets;
 * - one email from every address: past a budget, growing but capped delays, never a lock, and
 *   none at an address the account logged in from lately, so others' failures cannot keep the
 *   owner out for long, nor at all at home;
 * - one address bucket (IPv4; IPv6 /64, /56, /48) for every email: hard, but larger budgets,
 *   since a NAT or proxy address holds many users;
 * - one account's successful logins, so a stolen password cannot mint sessions at will.
 *
 * An attempt is charged *before* the password is checked and given back if it succeeds: so
 * N concurrent guesses can never all pass a check made before any of them failed, and the
 * failure counters hold failures only. Each step is one Lua script over every key: one round
 * trip, atomic across every accounts replica.
 *
 * Why hand-written Lua and not rate-limiter-flexible: each of its Redis limiters is its own
 * round trip, and RateLimiterUnion consumes them one by one, so an attempt refused by one
 * budget is still charged to the others, and checking six budgets takes six round trips; it
 * has no delay that doubles per failure up to a cap, nor an exemption for known addresses;
 * and its limiters are built with their points and durations, while here they are read from
 * live config on every call.
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
    return reservation(await this.redis.accountsReserveLogin(...this.scriptInput(email, clientAddress)));
  }

  /**
   * The password was right: the attempt was no failure. Refused when the account already
   * logged in `auth.loginMaxSuccesses` times in the window (concurrent logins included).
   */
  async succeeded(email: string, clientAddress: string): Promise<Reservation> {
    return reservation(await this.redis.accountsLoginSucceeded(...this.scriptInput(email, clientAddress)));
  }

  /**
   * The owner proved control of the mailbox (a password reset): forgets the email's failures
   * and delay, and the successes and known addresses that whoever held the old password may
   * have made.
   */
  async forgetEmail(email: string): Promise<void> {
    await this.redis.del(
      AccountsKeys.loginFailuresByEmail(email),
      AccountsKeys.loginDelayByEmail(email),
      AccountsKeys.loginSuccessesByEmail(email),
      AccountsKeys.loginKnownAddresses(email),
    );
  }

  /** The number of keys, the keys and the arguments, in the scripts' order (see above). */
  private scriptInput(email: string, clientAddress: string): [number, ...Array<string | number>] {
    const networks = clientNetworks(clientAddress);
    const finest = networks[0]!.network;
    const ms = (key: LoginSetting) => this.setting(key) * 1_000;
    const addressWindowMs = ms('loginAddressWindowSeconds');
    const keys = [
      AccountsKeys.loginSuccessesByEmail(email),
      AccountsKeys.loginFailuresByEmail(email),
      AccountsKeys.loginDelayByEmail(email),
      AccountsKeys.loginKnownAddresses(email),
      AccountsKeys.loginFailuresByEmailAndAddress(email, finest),
      ...networks.map(({ network }) => AccountsKeys.loginFailuresByAddress(network)),
    ];
    const args = [
      this.setting('loginMaxSuccesses'),
      ms('loginSuccessWindowSeconds'),
      this.setting('loginEmailMaxFailures'),
      ms('loginEmailWindowSeconds'),
      ms('loginEmailDelaySeconds'),
      ms('loginEmailMaxDelaySeconds'),
      finest,
      this.setting('loginKnownAddressDays') * 86_400_000,
      this.setting('loginMaxAttempts'),
      ms('loginWindowSeconds'),
      ...networks.flatMap(({ scope }) => [this.setting(ADDRESS_BUDGET[scope]), addressWindowMs]),
    ];
    return [keys.length, ...keys, ...args];
  }

  private setting(key: LoginSetting): number {
    return this.config.get(AuthSettings, key);
  }
}

function reservation(waitMs: number): Reservation {
  return waitMs === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1_000) };
}
