import { Inject, Injectable } from '@nestjs/common';
import { LiveConfig } from '@platform/live-config';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';
import { AuthSettings } from '../auth-settings.js';
import { addressBucket } from '../auth/client-address.js';

/**
 * Takes one registration from the address's budget and the platform's, or from neither: one
 * atomic step over both counters (fixed windows that start at the first registration).
 * KEYS: the address's counter, the platform's. ARGV: each one's limit and window in ms.
 * Returns 0 when the registration may go ahead, otherwise the milliseconds until the
 * longest-blocked counter expires (nothing incremented).
 *
 * Hand-written for the reasons LoginLimiter gives: rate-limiter-flexible would take two
 * non-atomic round trips, and fixes each limit when built while these come from live config.
 */
const TAKE = `
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i * 2 - 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, ARGV[i * 2])
      ttl = tonumber(ARGV[i * 2])
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[i * 2]) end
end
return 0
`;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

type ScriptedRedis = Redis & {
  accountsTakeRegistration(addressKey: string, totalKey: string, addressLimit: number, addressWindowMs: number, totalLimit: number, totalWindowMs: number): Promise<number>;
};

/**
 * Registration limits: `auth.registrationsPerAddressPerHour` per client address (an IPv6
 * client by its /64) and `auth.registrationsPerMinute` on the whole platform, from live
 * config. Every registration sends an email to an address its caller may not own, so these
 * bound how much mail anyone can make the platform send, and how many password hashes a
 * flood of registrations costs: it is charged before the password is hashed.
 */
@Injectable()
export class RegistrationLimiter {
  private readonly redis: ScriptedRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: LiveConfig,
  ) {
    redis.defineCommand('accountsTakeRegistration', { numberOfKeys: 2, lua: TAKE });
    this.redis = redis as ScriptedRedis;
  }

  /** 0 when the registration may go ahead (and was counted), else the seconds to wait. */
  async take(clientAddress: string): Promise<number> {
    const waitMs = await this.redis.accountsTakeRegistration(
      AccountsKeys.registrationsByAddress(addressBucket(clientAddress)),
      AccountsKeys.registrationsTotal(),
      this.config.get(AuthSettings, 'registrationsPerAddressPerHour'),
      HOUR_MS,
      this.config.get(AuthSettings, 'registrationsPerMinute'),
      MINUTE_MS,
    );
    return Math.ceil(waitMs / 1_000);
  }
}
