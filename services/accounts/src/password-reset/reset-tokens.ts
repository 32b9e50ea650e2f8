import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys, digest } from '../accounts.keys.js';

export interface IssuedToken {
  /** The secret the user gets by email; never stored. */
  token: string;
  /** What is stored (its SHA-256): a copy of Redis does not let anyone reset a password. */
  tokenHash: string;
  expiresAt: Date;
}

/**
 * Single-use password-reset tokens: 256 random bits, kept only as their hash with a TTL, so
 * Redis expires them by itself; consuming one is a single GETDEL, so of two concurrent
 * confirms exactly one gets the account and the other finds nothing.
 */
@Injectable()
export class ResetTokens {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async issue(accountId: string, ttlSeconds: number): Promise<IssuedToken> {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = digest(token);
    await this.redis.set(AccountsKeys.resetToken(tokenHash), accountId, 'EX', ttlSeconds);
    return { token, tokenHash, expiresAt: new Date(Date.now() + ttlSeconds * 1_000) };
  }

  /** The account the token was for, or undefined if it is unknown, expired or already used. */
  async consume(token: string): Promise<string | undefined> {
    return (await this.redis.getdel(AccountsKeys.resetToken(digest(token)))) ?? undefined;
  }
}
