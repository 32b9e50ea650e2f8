import { z } from 'zod';
import { EmailAddress } from '@contracts/notifications';
import { defineCounter, defineRpc } from '@platform/contracts';

/**
 * A new password: at least 8 characters (NIST SP 800-63B's floor; length beats composition
 * rules), at most 256 so hashing cost stays bounded. Never logged, never echoed; sensitive, so
 * a request that carries one is stored redacted when the transport sets it aside.
 */
export const NewPassword = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters')
  .meta({ sensitive: true });

/** `POST /auth/register` body and accounts.register's request. */
export const Registration = z.object({ email: EmailAddress, password: NewPassword }).strict();
export type Registration = z.output<typeof Registration>;

/**
 * `POST /auth/login` body. The password is not checked against the policy here: a login
 * only says "wrong email or password", never which rule a guess broke.
 */
export const Credentials = z.object({ email: EmailAddress, password: z.string().min(1).max(1_024).meta({ sensitive: true }) }).strict();
export type Credentials = z.output<typeof Credentials>;

/** An account as other services see it (never its password hash). */
export const Account = z.object({ id: z.uuid(), email: EmailAddress }).strict();
export type Account = z.output<typeof Account>;

/**
 * Which credentials of an account are current: 0 for an account that never changed its
 * password, one more with every change. Accounts stores it with the password hash and changes
 * both in one atomic step, so a login knows which epoch the hash it verified belongs to.
 */
export const CredentialEpoch = z.number().int().min(0);

/**
 * The Redis key (a string: the current credential epoch; absent means 0) that accounts
 * publishes for every account whose password changed, written in the same atomic step as the
 * hash. The gateway reads it on every request with a session, and refuses a session made at
 * an older epoch: that is what logs out whoever knew the old password, whatever the timing.
 * Part of the contract (the gateway relies on it): persisted, never renamed casually.
 */
export function credentialEpochKey(accountId: string): string {
  return `accounts:credential-epoch:${accountId}`;
}

/** The client address a login comes from, as the gateway determined it (proxy-aware). */
export const ClientAddress = z.union([z.ipv4(), z.ipv6()]);

export const LoginRequest = Credentials.extend({ clientAddress: ClientAddress }).strict();
export type LoginRequest = z.output<typeof LoginRequest>;

/**
 * What a login attempt came to. A refusal travels as a reply, not as an error, because the
 * gateway needs `retryAfterSeconds` for its `Retry-After` header.
 */
export const LoginResult = z.discriminatedUnion('outcome', [
  /** credentialEpoch: the epoch of the password hash this login verified (see credentialEpochKey). */
  z.object({ outcome: z.literal('success'), account: Account, credentialEpoch: CredentialEpoch }).strict(),
  z.object({ outcome: z.literal('failure') }).strict(),
  /** Too many failures for this email or this address: refused without checking the password. */
  z.object({ outcome: z.literal('locked'), retryAfterSeconds: z.number().int().positive() }).strict(),
]);
export type LoginResult = z.output<typeof LoginResult>;

/** `POST /auth/password-reset` body. */
export const PasswordResetRequest = z.object({ email: EmailAddress }).strict();

/** The single-use token of a reset email: 32 random bytes, base64url (43 characters); as secret as a password. */
export const ResetToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'is not a valid reset token')
  .meta({ sensitive: true });

/** `POST /auth/password-reset/confirm` body. */
export const PasswordResetConfirmation = z.object({ token: ResetToken, password: NewPassword }).strict();
export type PasswordResetConfirmation = z.output<typeof PasswordResetConfirmation>;

const Done = z.object({}).strict();

/** The account whose password was reset: the gateway ends that account's sessions. */
export const PasswordResetDone = z.object({ accountId: z.uuid() }).strict();
export type PasswordResetDone = z.output<typeof PasswordResetDone>;

export const AccountsRpc = {
  /** 409 when the email is taken. */
  register: defineRpc('accounts', 'register', { request: Registration, response: Account }),
  login: defineRpc('accounts', 'login', { request: LoginRequest, response: LoginResult }),
  /** Always answers; an email is sent only when the account exists (no user enumeration). */
  requestPasswordReset: defineRpc('accounts', 'requestPasswordReset', { request: PasswordResetRequest, response: Done }),
  /** 400 for a used, expired or unknown token; the password is changed otherwise. */
  confirmPasswordReset: defineRpc('accounts', 'confirmPasswordReset', { request: PasswordResetConfirmation, response: PasswordResetDone }),
} as const;

/** Accounts' business counters, kept in Redis and exported by metrics-exporter. */
export const AccountsCounters = {
  /** result: success | failure | locked */
  logins: defineCounter({
    name: 'platform_logins_total',
    help: 'Login attempts on the whole platform, by result (success, failure, locked).',
    labels: ['result'],
  }),
} as const;
