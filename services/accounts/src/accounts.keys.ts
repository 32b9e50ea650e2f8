import { credentialEpochKey, emailDigest } from '@contracts/accounts';

/**
 * Every Redis key accounts owns. Persisted: renaming one loses its data, so rename only with
 * a migration. Emails never appear in key names (they are hashed): key names show up in
 * SCAN output, slow logs and monitoring tools that values do not.
 */
export const AccountsKeys = {
  /** Hash: id, email, passwordHash, createdAt, credentialEpoch (absent: 0). */
  user: (id: string) => `accounts:user:${id}`,
  /** String: the account's credential epoch, published for the gateway (see credentialEpochKey). */
  credentialEpoch: credentialEpochKey,
  /** String: the id of the account with this email (the uniqueness guard). */
  userIdByEmail: (email: string) => AccountsKeys.userIdByEmailDigest(emailDigest(email)),
  /** The same key, from the email's digest (what a password-reset request carries). */
  userIdByEmailDigest: (digestOfEmail: string) => `accounts:user-by-email:${digestOfEmail}`,
  /**
   * Hash with a TTL (auth.verificationTtlSeconds): a registration waiting for its email to be
   * confirmed (email, passwordHash, createdAt), keyed by the SHA-256 of its token. Not an
   * account: it holds no email index entry, so it can neither be logged into nor mailed, and
   * a registration nobody confirms reserves nothing.
   */
  pendingRegistration: (tokenHash: string) => `accounts:pending-registration:${tokenHash}`,
  /** String counter with a TTL: registrations from one client address (or IPv6 /64) this hour. */
  registrationsByAddress: (address: string) => `accounts:registrations:address:${address}`,
  /** String counter with a TTL: registrations on the whole platform this minute. */
  registrationsTotal: () => 'accounts:registrations:total',
  // The login limiter's keys all start with `accounts:login-` (see LoginLimiter).
  /** String counter with a TTL: recent login failures for one email from one address bucket (IPv4, IPv6 /64). */
  loginFailuresByEmailAndAddress: (email: string, bucket: string) => `accounts:login-failures:pair:${emailDigest(email)}:${bucket}`,
  /** String counter with a TTL: recent login failures for one email from every address. */
  loginFailuresByEmail: (email: string) => `accounts:login-failures:email:${emailDigest(email)}`,
  /** String with a TTL: while it exists, attempts for this email wait (its failures are past their budget). */
  loginDelayByEmail: (email: string) => `accounts:login-delay:email:${emailDigest(email)}`,
  /**
   * Sorted set with a TTL: the address buckets (IPv4, IPv6 /64) this email's account logged in
   * from lately, scored by when each stops being known (ms); the newest few only.
   */
  loginKnownAddresses: (email: string) => `accounts:login-known-addresses:${emailDigest(email)}`,
  /** String counter with a TTL: recent login failures from one address bucket (IPv4; IPv6 /64, /56, /48). */
  loginFailuresByAddress: (bucket: string) => `accounts:login-failures:address:${bucket}`,
  /** String counter with a TTL: recent successful logins for one email (its account). */
  loginSuccessesByEmail: (email: string) => `accounts:login-successes:email:${emailDigest(email)}`,
  /** String with a TTL: the account id a reset token is for, keyed by the token's SHA-256. */
  resetToken: (tokenHash: string) => `accounts:reset-token:${tokenHash}`,
  /**
   * String with a TTL: the hash of the account's one current reset token. A token is honoured
   * only while it is the current one: issuing a new one or changing the password voids it.
   */
  currentResetToken: (accountId: string) => `accounts:current-reset-token:${accountId}`,
  /** String with a TTL: a reset email went to this account lately; no other until it expires. */
  resetEmailSent: (accountId: string) => `accounts:reset-email-sent:${accountId}`,
} as const;
