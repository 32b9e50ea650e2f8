import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/**
 * Cost of new hashes: N=2^15, r=8, p=3 is one of OWASP's equivalent minimum scrypt settings
 * (32 MiB of memory per hash), about 0.25 s on one core of a small server. Raise it as
 * hardware gets faster: stored hashes carry their own parameters, and a login with older
 * ones rehashes the password (see needsRehash).
 */
export const SCRYPT_PARAMS = Object.freeze({ N: 2 ** 15, r: 8, p: 3 });
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

interface StoredHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, { N, r, p }: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node refuses above `maxmem` (32 MiB by default, just too little).
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function parse(stored: string): StoredHash | undefined {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!match) return undefined;
  return {
    N: Number(match[1]),
    r: Number(match[2]),
    p: Number(match[3]),
    salt: Buffer.from(match[4]!, 'base64url'),
    hash: Buffer.from(match[5]!, 'base64url'),
  };
}

/**
 * Hashes passwords with scrypt (node:crypto, no native addon): a random salt per password,
 * stored as `scrypt$N$r$p$<salt>$<hash>` (base64url). Runs on libuv's thread pool, so
 * hashing never blocks the event loop. Passwords are normalised (NFKC) so the same password
 * typed on two keyboards matches.
 */
@Injectable()
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const hash = await derive(password, salt, SCRYPT_PARAMS);
    const { N, r, p } = SCRYPT_PARAMS;
    return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
  }

  /** Whether `password` matches `stored`, compared in constant time. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const candidate = await derive(password, parsed.salt, parsed);
    return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
  }

  /**
   * Spends the time of one verification and returns false: used when the account does not
   * exist, so response time does not tell an attacker which emails are registered.
   */
  async verifyNothing(password: string): Promise<false> {
    this.dummy ??= this.hash('no account has this password');
    await this.verify(password, await this.dummy);
    return false;
  }

  /** Whether `stored` was made with other parameters than today's (rehash it at the next login). */
  needsRehash(stored: string): boolean {
    const parsed = parse(stored);
    return !parsed || parsed.N !== SCRYPT_PARAMS.N || parsed.r !== SCRYPT_PARAMS.r || parsed.p !== SCRYPT_PARAMS.p;
  }
}
