import { Inject, Injectable } from '@nestjs/common';
import { credentialEpochKey } from '@contracts/accounts';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { unavailableOnError } from './redis-session.store.js';

/**
 * The current credential epoch of an account, as accounts publishes it (credentialEpochKey),
 * read straight from Redis: one GET per request with a session, no RPC, and the same Redis
 * the session itself came from. Accounts writes the key in the same atomic step as the new
 * password hash, so from the moment a new password is stored every gateway replica refuses
 * sessions made with the old one, even if the reset's caller got a 504 and nobody ended them.
 * Why not an RPC to accounts per request: it would put accounts (and its hashing queue) in
 * front of every authenticated route; why not a cached copy: a cache is a window in which a
 * stolen session still works.
 */
@Injectable()
export class CredentialEpochs {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** 0 for an account whose password never changed (accounts writes the key on the first change). */
  async current(accountId: string): Promise<number> {
    const value = await unavailableOnError(this.redis.get(credentialEpochKey(accountId)));
    return value === null ? 0 : Number(value);
  }
}
