import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EmailAddress } from '@contracts/notifications';
import { defineCounter, defineEvent, defineRpc } from '@platform/contracts';

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

/** `POST /auth/register` body. */
export const Registration = z.object({ email: EmailAddress, password: NewPassword }).strict();
export type Registration = z.output<typeof Registration>;

/** The client address a request comes from, as the gateway determined it (proxy-aware). */
export const ClientAddress = z.union([z.ipv4(), z.ipv6()]);

/** accounts.register's request: registrations are limited per client address. */
export const RegistrationRequest = Registration.extend({ clientAddress: ClientAddress }).strict();
export type RegistrationRequest = z.output<typeof RegistrationRequest>;

/**
 * What a registration came to. `accepted` whether the email was free (a verification email
 * went out) or taken (its owner was told by email): the answer never tells which. A refusal
 * travels as a reply, not an error, because the gateway needs `retryAfterSeconds`.
 */
export const RegistrationResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('accepted') }).strict(),
  /** Too many registrations from this address, or on the whole platform, lately. */
  z.object({ outcome: z.literal('limited'), retryAfterSeconds: z.number().int().positive() }).strict(),
]);
export type RegistrationResult = z.output<typeof RegistrationResult>;

/**
 * The single-use token of a verification or reset email: 32 random bytes, base64url (43
 * characters); as secret as a password.
 */
export const EmailToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'is not a valid token')
  .meta({ sensitive: true });

/** `POST /auth/register/confirm` body and accounts.confirmRegistration's request. */
export const RegistrationConfirmation = z.object({ token: EmailToken }).strict();
export type RegistrationConfirmation = z.output<typeof RegistrationConfirmation>;

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

/**
 * SHA-256 (hex) of a normalised email: how accounts indexes accounts by email, and all a
 * password-reset request carries, so event streams never hold an address.
 */
export function emailDigest(email: string): string {
  return createHash('sha256').update(email).digest('hex');
}

/**
 * A password reset was asked for (`POST /auth/password-reset`), for an account that may or
 * may not exist. The gateway publishes it and answers 202 at once, so the route does the same
 * work, one XADD, whoever has an account; accounts looks the email up and mails the token.
 */
export const PasswordResetRequested = z.object({ emailDigest: z.string().regex(/^[0-9a-f]{64}$/) }).strict();

/** `POST /auth/password-reset/confirm` body. */
export const PasswordResetConfirmation = z.object({ token: EmailToken, password: NewPassword }).strict();
export type PasswordResetConfirmation = z.output<typeof PasswordResetConfirmation>;

/** The account whose password was reset: the gateway ends that account's sessions. */
export const PasswordResetDone = z.object({ accountId: z.uuid() }).strict();
export type PasswordResetDone = z.output<typeof PasswordResetDone>;

export const AccountsRpc = {
  /** The same answer for a free and a taken email (no user enumeration): the email tells which. */
  register: defineRpc('accounts', 'register', { request: RegistrationRequest, response: RegistrationResult }),
  /** Creates the account of a verification token: 400 for a used, expired or unknown token, 409 when the email was taken meanwhile. */
  confirmRegistration: defineRpc('accounts', 'confirmRegistration', { request: RegistrationConfirmation, response: Account }),
  login: defineRpc('accounts', 'login', { request: LoginRequest, response: LoginResult }),
  /** 400 for a used, expired or unknown token; the password is changed otherwise. */
  confirmPasswordReset: defineRpc('accounts', 'confirmPasswordReset', { request: PasswordResetConfirmation, response: PasswordResetDone }),
} as const;

export const AccountsEvents = {
  /** Handled by accounts itself: an email is sent only when the account exists. */
  passwordResetRequested: defineEvent('password-reset.requested', PasswordResetRequested),
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
