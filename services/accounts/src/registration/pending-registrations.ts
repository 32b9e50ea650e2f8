import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';
import { newEmailToken, tokenDigest } from '../email-token.js';

/** A registration waiting for its email to be confirmed. */
export interface PendingRegistration {
  /** The SHA-256 of its token: the key it is kept under. */
  tokenHash: string;
  email: string;
  passwordHash: string;
}

/**
 * Registrations waiting for the owner of their email to confirm it, each under the hash of
 * the token mailed to that address, with a TTL (auth.verificationTtlSeconds): Redis forgets
 * an unconfirmed registration by itself. Several may wait for one email (someone else's
 * attempt cannot block the owner's); the first confirmed becomes the account.
 */
@Injectable()
export class PendingRegistrations {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Keeps the registration; the token to mail (never stored) and when it expires. */
  async hold(email: string, passwordHash: string, ttlSeconds: number): Promise<{ token: string; tokenHash: string; expiresAt: Date }> {
    const { token, tokenHash } = newEmailToken();
    const key = AccountsKeys.pendingRegistration(tokenHash);
    const results = await this.redis.multi().hset(key, { email, passwordHash }).expire(key, ttlSeconds).exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('the registration was not stored (transaction aborted)');
    return { token, tokenHash, expiresAt: new Date(Date.now() + ttlSeconds * 1_000) };
  }

  /** What a token is kept under. */
  hashOf(token: string): string {
    return tokenDigest(token);
  }

  /** The registration a token confirms, or undefined when it is unknown, expired or used. */
  async find(token: string): Promise<PendingRegistration | undefined> {
    const tokenHash = this.hashOf(token);
    const { email, passwordHash } = await this.redis.hgetall(AccountsKeys.pendingRegistration(tokenHash));
    return email && passwordHash ? { tokenHash, email, passwordHash } : undefined;
  }
}
