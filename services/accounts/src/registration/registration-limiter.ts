import { Inject, Injectable } from '@nestjs/common';
import { clientNetwork } from '@platform/http';
import { LiveConfig } from '@platform/live-config';
import { FixedWindows, REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';
import { AuthSettings } from '../auth-settings.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * Registration limits: `auth.registrationsPerAddressPerHour` per client address (an IPv6
 * client by its /64) and `auth.registrationsPerMinute` on the whole platform, from live
 * config, in one atomic step over both (a refusal by either charges neither). Every
 * registration sends an email to an address its caller may not own, so these bound how much
 * mail anyone can make the platform send, and how many password hashes a flood of
 * registrations costs: it is charged before the password is hashed.
 */
@Injectable()
export class RegistrationLimiter {
  private readonly windows: FixedWindows;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: LiveConfig,
  ) {
    this.windows = new FixedWindows(redis);
  }

  /** 0 when the registration may go ahead (and was counted in both), else the seconds to wait. */
  async take(clientAddress: string): Promise<number> {
    const waitMs = await this.windows.take([
      {
        key: AccountsKeys.registrationsByAddress(clientNetwork(clientAddress)),
        limit: this.config.get(AuthSettings, 'registrationsPerAddressPerHour'),
        windowMs: HOUR_MS,
      },
      {
        key: AccountsKeys.registrationsTotal(),
        limit: this.config.get(AuthSettings, 'registrationsPerMinute'),
        windowMs: MINUTE_MS,
      },
    ]);
    return Math.ceil(waitMs / 1_000);
  }
}
