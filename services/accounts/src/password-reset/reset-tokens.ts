import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';
import { type EmailToken, newEmailToken, tokenDigest } from '../email-token.js';

export interface IssuedToken extends EmailToken {
  expiresAt: Date;
}

/**
 * Single-use password-reset tokens: 256 random bits, kept only as their hash with a TTL, so
 * Redis expires them by itself. One token per account is current
 * (AccountsKeys.currentResetToken): issuing a new one voids the older, and a password change
 * voids all. A token is spent by the password change itself (UserRepository.changePassword,
 * in the same atomic step), so of two concurrent confirms exactly one changes the password, and
 * a confirm that fails before the change leaves the token usable for a retry.
 */
@Injectable()
export class ResetTokens {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async issue(accountId: string, ttlSeconds: number): Promise<IssuedToken> {
    const { token, tokenHash } = newEmailToken();
    const results = await this.redis
      .multi()
      .set(AccountsKeys.resetToken(tokenHash), accountId, 'EX', ttlSeconds)
      .set(AccountsKeys.currentResetToken(accountId), tokenHash, 'EX', ttlSeconds, 'GET')
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('the reset token was not stored (transaction aborted)');
    // The older token is void already (it is not current); deleting it is clean-up, so that a
    // copy of Redis holds one live token per account.
    const older = results[1]![1] as string | null;
    if (older) await this.redis.del(AccountsKeys.resetToken(older));
    return { token, tokenHash, expiresAt: new Date(Date.now() + ttlSeconds * 1_000) };
  }

  /**
   * The account the token is for, with the token's hash (what the change spends), or undefined
   * if it is unknown, expired, used or no longer the account's current token. Reads only.
   */
  async accountFor(token: string): Promise<{ accountId: string; tokenHash: string } | undefined> {
    const tokenHash = tokenDigest(token);
    const accountId = await this.redis.get(AccountsKeys.resetToken(tokenHash));
    if (!accountId) return undefined;
    const current = await this.redis.get(AccountsKeys.currentResetToken(accountId));
    return current === tokenHash ? { accountId, tokenHash } : undefined;
  }
}
