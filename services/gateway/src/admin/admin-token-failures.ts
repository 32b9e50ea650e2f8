import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { type AdminTokenFailures, clientNetwork } from '@platform/http';
import { LiveConfig } from '@platform/live-config';
import { FixedWindows, REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AdminSettings } from './admin-settings.js';

/** `gateway:admin-token-failures:<client network>`: wrong admin tokens in the current window. */
export const ADMIN_TOKEN_FAILURES_PREFIX = 'gateway:admin-token-failures:';

/**
 * Wrong admin tokens per client address, counted in Redis so the limit holds across gateway
 * replicas (`admin.tokenMaxFailures` per `admin.tokenFailureWindowSeconds`, live config).
 * AdminTokenGuard calls it for every request that presents a token, Nest's admin routes and
 * Bull Board alike: one round trip, one script, so parallel guesses from replicas are counted
 * exactly: the limit-th wrong one gets a 401, every later one a 429. While Redis is
 * unreachable admin requests get 503.
 */
@Injectable()
export class AdminTokenFailuresInRedis implements AdminTokenFailures {
  private readonly windows: FixedWindows;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: LiveConfig,
  ) {
    this.windows = new FixedWindows(redis);
  }

  async check(address: string, wrong: boolean): Promise<number> {
    let blockedMs: number;
    try {
      const failures = {
        key: `${ADMIN_TOKEN_FAILURES_PREFIX}${clientNetwork(address)}`,
        limit: this.config.get(AdminSettings, 'tokenMaxFailures'),
        windowMs: this.config.get(AdminSettings, 'tokenFailureWindowSeconds') * 1_000,
      };
      blockedMs = await (wrong ? this.windows.take([failures]) : this.windows.check([failures]));
    } catch (cause) {
      throw new ServiceUnavailableException('admin tokens cannot be checked: Redis is unreachable', { cause });
    }
    return Math.ceil(blockedMs / 1_000);
  }
}
