import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG } from '../gateway.constants.js';
import { sessionKey, unavailableOnError } from './redis-session.store.js';

/** Set: the Redis keys of an account's sessions (see sessionKey), so they can be ended at once. */
export function accountSessionsKey(accountId: string): string {
  return `gateway:account-sessions:${accountId}`;
}

/**
 * Which sessions belong to which account, so that a password reset ends every session of the
 * account: whoever had the old password (or a stolen cookie) is logged out everywhere. The
 * index holds session keys, never session ids, like the store. It lives as long as the
 * newest session can; keys of sessions that ended on their own are dropped with it.
 */
@Injectable()
export class AccountSessions {
  private readonly maxAgeSeconds: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.maxAgeSeconds = config.SESSION_MAX_AGE_SECONDS;
  }

  async add(accountId: string, sessionId: string): Promise<void> {
    const index = accountSessionsKey(accountId);
    await unavailableOnError(this.redis.multi().sadd(index, sessionKey(sessionId)).expire(index, this.maxAgeSeconds).exec());
  }

  async remove(accountId: string, sessionId: string): Promise<void> {
    await unavailableOnError(this.redis.srem(accountSessionsKey(accountId), sessionKey(sessionId)));
  }

  /** Deletes every session of the account from Redis, and the index, in one DEL. */
  async endAll(accountId: string): Promise<void> {
    const index = accountSessionsKey(accountId);
    const keys = await unavailableOnError(this.redis.smembers(index));
    await unavailableOnError(this.redis.del(index, ...keys));
  }
}

/** How many sessions endAll ends per command. */
export const END_BATCH_SIZE = 500;
