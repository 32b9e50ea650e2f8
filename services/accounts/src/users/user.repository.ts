import { Inject, Injectable } from '@nestjs/common';
import { emailDigest } from '@contracts/accounts';
import { uuidFrom } from '@platform/deadlines';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';
import type { PendingRegistration } from '../registration/pending-registrations.js';

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: string;
  /** Which password the account is at: one more with every change (see CredentialEpoch). */
  credentialEpoch: number;
}

/**
 * Turns a confirmed registration into the account, only if the email is free: the email
 * index, the account hash and the end of the registration in one atomic step, so two
 * registrations of one email confirmed at once make one account, and a crash never leaves an
 * index entry without its account. The account id comes from the token, so a confirm retried
 * after its answer was lost finds its account made (1) instead of a spent token.
 * KEYS: the registration, the email index, the account. Returns 1 (made), 0 (no such
 * registration) or -1 (the email has an account).
 */
const CREATE_FROM_REGISTRATION = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('SET', KEYS[2], ARGV[1], 'NX') == false then return -1 end
redis.call('HSET', KEYS[3], 'id', ARGV[1], 'email', ARGV[2], 'passwordHash', ARGV[3], 'createdAt', ARGV[4])
return 1
`;

/**
 * Changes the password: the new hash, the next credential epoch (kept in the account hash and
 * published under its own key for the gateway) and the end of every reset token, in one
 * atomic step. Whatever a concurrent login read, it holds either the old hash with the old
 * epoch or the new with the new, so a session it makes is never newer than its credentials.
 * Only for an account that exists (a deleted account is not recreated); answers the new
 * epoch, or -1. A reset spends its token here (KEYS[4], its hash ARGV[2]): only while it is
 * still the account's current token (else -2), so a confirm that failed earlier left it usable
 * and of two confirms of one token one changes the password. HSET is the first write: Redis
 * refuses a script for lack of memory only there, before anything changed.
 */
const CHANGE_PASSWORD = `
if ARGV[2] and redis.call('GET', KEYS[3]) ~= ARGV[2] then return -2 end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1])
local epoch = redis.call('HINCRBY', KEYS[1], 'credentialEpoch', 1)
redis.call('SET', KEYS[2], epoch)
redis.call('DEL', unpack(KEYS, 3))
return epoch
`;

/**
 * A stronger hash of the same password (rehash on login), stored only while the account still
 * has the hash that was verified: a reset that landed meanwhile must not be overwritten with
 * the old password. The epoch stays: the credentials are the same.
 */
const REPLACE_UNCHANGED_HASH = `
if redis.call('HGET', KEYS[1], 'passwordHash') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[2])
return 1
`;

type ScriptedRedis = Redis & {
  accountsCreateFromRegistration(registrationKey: string, emailKey: string, userKey: string, id: string, email: string, passwordHash: string, createdAt: string): Promise<number>;
  accountsChangePassword(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number>;
  accountsReplaceUnchangedHash(userKey: string, verifiedHash: string, passwordHash: string): Promise<number>;
};

/**
 * Accounts, kept in Redis so the example runs with nothing else (see AccountsKeys for the
 * layout). A team with a database replaces this class; nothing else touches these keys.
 * Emails arrive normalised (trimmed, lower case) by the contract schemas.
 */
@Injectable()
export class UserRepository {
  private readonly redis: ScriptedRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    redis.defineCommand('accountsCreateFromRegistration', { numberOfKeys: 3, lua: CREATE_FROM_REGISTRATION });
    redis.defineCommand('accountsChangePassword', { lua: CHANGE_PASSWORD });
    redis.defineCommand('accountsReplaceUnchangedHash', { numberOfKeys: 1, lua: REPLACE_UNCHANGED_HASH });
    this.redis = redis as ScriptedRedis;
  }

  /**
   * The account of a confirmed registration (made now, or by an earlier confirm of the same
   * token), 'unknown' when there is no such registration, 'taken' when the email got an
   * account meanwhile (the registration is spent then).
   */
  async createFromRegistration(registration: PendingRegistration): Promise<User | 'unknown' | 'taken'> {
    const id = uuidFrom(`registration\n${registration.tokenHash}`);
    const created = await this.redis.accountsCreateFromRegistration(
      AccountsKeys.pendingRegistration(registration.tokenHash),
      AccountsKeys.userIdByEmail(registration.email),
      AccountsKeys.user(id),
      id,
      registration.email,
      registration.passwordHash,
      new Date().toISOString(),
    );
    if (created === -1) return 'taken';
    return (created === 1 && (await this.findById(id))) || 'unknown';
  }

  /** The account a registration's token made, if a confirm of that token already made it. */
  findByRegistration(tokenHash: string): Promise<User | undefined> {
    return this.findById(uuidFrom(`registration\n${tokenHash}`));
  }

  /** Whether an account has this email: one EXISTS on the uniqueness index. */
  async emailTaken(email: string): Promise<boolean> {
    return (await this.redis.exists(AccountsKeys.userIdByEmail(email))) === 1;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    return this.findByEmailDigest(emailDigest(email));
  }

  /** The account whose email has this SHA-256 (see emailDigest), if any. */
  async findByEmailDigest(digestOfEmail: string): Promise<User | undefined> {
    const id = await this.redis.get(AccountsKeys.userIdByEmailDigest(digestOfEmail));
    return id ? this.findById(id) : undefined;
  }

  async findById(id: string): Promise<User | undefined> {
    const fields = await this.redis.hgetall(AccountsKeys.user(id));
    if (!fields.id || !fields.email || !fields.passwordHash || !fields.createdAt) return undefined;
    // One HGETALL: the hash and its epoch are read together, never from two moments.
    const credentialEpoch = Number(fields.credentialEpoch ?? 0);
    return { id: fields.id, email: fields.email, passwordHash: fields.passwordHash, createdAt: fields.createdAt, credentialEpoch };
  }

  /**
   * The new credential epoch, or undefined when the account no longer exists or, for a reset
   * (`resetTokenHash`), when that token is no longer current (used, replaced or expired).
   * Voids every reset token.
   */
  async changePassword(id: string, passwordHash: string, resetTokenHash?: string): Promise<number | undefined> {
    const keys = [AccountsKeys.user(id), AccountsKeys.credentialEpoch(id), AccountsKeys.currentResetToken(id)];
    const epoch = resetTokenHash
      ? await this.redis.accountsChangePassword(4, ...keys, AccountsKeys.resetToken(resetTokenHash), passwordHash, resetTokenHash)
      : await this.redis.accountsChangePassword(3, ...keys, passwordHash);
    return epoch >= 0 ? epoch : undefined;
  }

  /** Stores a rehash of the same password, unless the hash changed since `verifiedHash` was read. */
  async replaceUnchangedHash(id: string, verifiedHash: string, passwordHash: string): Promise<boolean> {
    return (await this.redis.accountsReplaceUnchangedHash(AccountsKeys.user(id), verifiedHash, passwordHash)) === 1;
  }
}
