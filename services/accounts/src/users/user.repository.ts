import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { AccountsKeys } from '../accounts.keys.js';

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: string;
}

/**
 * Creates the account only if the email is free: the email index and the account hash are
 * written in one atomic step, so two concurrent registrations of one email make one account
 * and a crash never leaves an index entry without its account.
 */
const CREATE_IF_EMAIL_FREE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'email', ARGV[2], 'passwordHash', ARGV[3], 'createdAt', ARGV[4])
return 1
`;

/** Changes the hash only of an account that exists (a deleted account is not recreated). */
const SET_PASSWORD_HASH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1])
return 1
`;

type ScriptedRedis = Redis & {
  accountsCreateUser(emailKey: string, userKey: string, id: string, email: string, passwordHash: string, createdAt: string): Promise<number>;
  accountsSetPasswordHash(userKey: string, passwordHash: string): Promise<number>;
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
    redis.defineCommand('accountsCreateUser', { numberOfKeys: 2, lua: CREATE_IF_EMAIL_FREE });
    redis.defineCommand('accountsSetPasswordHash', { numberOfKeys: 1, lua: SET_PASSWORD_HASH });
    this.redis = redis as ScriptedRedis;
  }

  /** The new account, or undefined when the email is taken. */
  async create(email: string, passwordHash: string): Promise<User | undefined> {
    const user: User = { id: randomUUID(), email, passwordHash, createdAt: new Date().toISOString() };
    const created = await this.redis.accountsCreateUser(
      AccountsKeys.userIdByEmail(email),
      AccountsKeys.user(user.id),
      user.id,
      user.email,
      user.passwordHash,
      user.createdAt,
    );
    return created === 1 ? user : undefined;
  }

  /** Whether an account has this email: one EXISTS on the uniqueness index. */
  async emailTaken(email: string): Promise<boolean> {
    return (await this.redis.exists(AccountsKeys.userIdByEmail(email))) === 1;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const id = await this.redis.get(AccountsKeys.userIdByEmail(email));
    return id ? this.findById(id) : undefined;
  }

  async findById(id: string): Promise<User | undefined> {
    const fields = await this.redis.hgetall(AccountsKeys.user(id));
    if (!fields.id || !fields.email || !fields.passwordHash || !fields.createdAt) return undefined;
    return { id: fields.id, email: fields.email, passwordHash: fields.passwordHash, createdAt: fields.createdAt };
  }

  /** False when the account no longer exists. */
  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    return (await this.redis.accountsSetPasswordHash(AccountsKeys.user(id), passwordHash)) === 1;
  }
}
