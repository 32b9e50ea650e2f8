import { createHash, randomBytes } from 'node:crypto';

/** A token mailed to prove control of a mailbox (verification, password reset). */
export interface EmailToken {
  /** The secret the user gets by email; never stored. */
  token: string;
  /** What is stored (its SHA-256): a copy of Redis lets nobody use the token. */
  tokenHash: string;
}

/** 256 random bits, base64url: the 43 characters the contracts' EmailToken accepts. */
export function newEmailToken(): EmailToken {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: tokenDigest(token) };
}

/** SHA-256, hex, of a token a user sent back: the key its stored hash is found under. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
