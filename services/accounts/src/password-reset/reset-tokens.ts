import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';
import { type EmailToken, newEmailToken, tokenDigest } from '../email-token.js';

/** Deletes KEYS[1] if it holds ARGV[1]: 1 then, 0 otherwise. */
const TAKE_IF_CURRENT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

type ScriptedRedis = Redis & { accountsTakeCurrentResetToken(currentKey: string, tokenHash: string): Promise<number> };

export interface IssuedToken extends EmailToken {
  expiresAt: Date;
}

/**
 * Single-use password-reset tokens: 256 random bits, kept only as their hash with a TTL, so
 * Redis expires them by itself; consuming one is a single GETDEL, so of two concurrent
 * confirms exactly one gets the account and the other finds nothing. One token per account is
 * current (AccountsKeys.currentResetToken): issuing a new one voids the older, and a password
 * change voids all (UserRepository.changePassword deletes the current one).
 */
@Injectable()
export class ResetTokens {
  private readonly redis: ScriptedRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    redis.defineCommand('accountsTakeCurrentResetToken', { numberOfKeys: 1, lua: TAKE_IF_CURRENT });
    this.redis = redis as ScriptedRedis;
  }

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
   * The account the token was for, or undefined if it is unknown, expired, already used or no
   * longer the account's current token. Spent either way.
   */
  async consume(token: string): Promise<string | undefined> {
    const tokenHash = tokenDigest(token);
    const accountId = await this.redis.getdel(AccountsKeys.resetToken(tokenHash));
    if (!accountId) return undefined;
    // Compare-and-delete in one step: of a token and a newer one issued meanwhile, only the
    // current one passes, and it passes once.
    const current = await this.redis.accountsTakeCurrentResetToken(AccountsKeys.currentResetToken(accountId), tokenHash);
    return current === 1 ? accountId : undefined;
  }
}
