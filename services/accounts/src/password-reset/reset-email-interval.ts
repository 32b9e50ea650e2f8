import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';

/**
 * At most one reset email per account per interval (`auth.resetEmailIntervalSeconds`), so
 * the public, always-202 reset route cannot be used to flood someone's mailbox. The slot is
 * one SET NX with a TTL: atomic across accounts replicas, and Redis expires it by itself.
 */
@Injectable()
export class ResetEmailInterval {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** True when this request may send an email (and holds the slot for `seconds`). */
  async take(accountId: string, seconds: number): Promise<boolean> {
    if (seconds === 0) return true;
    return (await this.redis.set(AccountsKeys.resetEmailSent(accountId), '1', 'EX', seconds, 'NX')) === 'OK';
  }

  /** Gives the slot back when no email could be queued, so the caller's retry is not refused. */
  async giveBack(accountId: string): Promise<void> {
    await this.redis.del(AccountsKeys.resetEmailSent(accountId));
  }
}
