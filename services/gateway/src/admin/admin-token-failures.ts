import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { type AdminTokenFailures, clientNetwork } from '@platform/http';
import { LiveConfig } from '@platform/live-config';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AdminSettings } from './admin-settings.js';

/** `gateway:admin-token-failures:<client network>`: wrong admin tokens in the current window. */
export const ADMIN_TOKEN_FAILURES_PREFIX = 'gateway:admin-token-failures:';

/**
 * KEYS: the network's failure counter. ARGV: limit, window in ms, 1 when the token was wrong.
 * Returns the milliseconds the network stays blocked (nothing counted), or 0 after counting a
 * wrong token. A fixed window from the first failure. One script, so parallel guesses from
 * replicas are counted exactly: the limit-th wrong one gets a 401, every later one a 429.
 */
const CHECK = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if tonumber(redis.call('GET', KEYS[1]) or '0') >= limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], window)
    ttl = window
  end
  return ttl
end
if ARGV[3] == '1' and redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], window) end
return 0
`;

type ScriptedRedis = Redis & { gatewayCheckAdminToken(key: string, limit: number, windowMs: number, wrong: 0 | 1): Promise<number> };

/**
 * Wrong admin tokens per client address, counted in Redis so the limit holds across gateway
 * replicas (`admin.tokenMaxFailures` per `admin.tokenFailureWindowSeconds`, live config).
 * AdminTokenGuard calls it for every request that presents a token, Nest's admin routes and
 * Bull Board alike: one round trip. While Redis is unreachable admin requests get 503.
 */
@Injectable()
export class AdminTokenFailuresInRedis implements AdminTokenFailures {
  private readonly redis: ScriptedRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: LiveConfig,
  ) {
    redis.defineCommand('gatewayCheckAdminToken', { numberOfKeys: 1, lua: CHECK });
    this.redis = redis as ScriptedRedis;
  }

  async check(address: string, wrong: boolean): Promise<number> {
    let blockedMs: number;
    try {
      blockedMs = await this.redis.gatewayCheckAdminToken(
        `${ADMIN_TOKEN_FAILURES_PREFIX}${clientNetwork(address)}`,
        this.config.get(AdminSettings, 'tokenMaxFailures'),
        this.config.get(AdminSettings, 'tokenFailureWindowSeconds') * 1_000,
        wrong ? 1 : 0,
      );
    } catch (cause) {
      throw new ServiceUnavailableException('admin tokens cannot be checked: Redis is unreachable', { cause });
    }
    return Math.ceil(blockedMs / 1_000);
  }
}
