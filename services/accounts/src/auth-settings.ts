import { defineConfigSection } from '@platform/contracts';
import { z } from 'zod';

const count = (max: number) => z.number().int().min(1).max(max);
const seconds = (max: number) => z.number().int().min(1).max(max);

/**
 * The `auth.*` keys of the central live configuration (`PUT /admin/config`): read by the login
 * limiter, the registration and the password reset, registered by AuthModule. Changes apply within a second.
 *
 * The login limits (see LoginLimiter and docs/security.md#login-limits): one email from one
 * address is refused hard after a few failures; one email from every address is slowed down,
 * never locked; one address (or IPv6 network) for every email has larger budgets, since many
 * users may share it; and one account's successful logins are limited too.
 */
export const AuthSettings = defineConfigSection('auth', {
  /**
   * Failed logins for one email from one client address (IPv4, or IPv6 /64) in a window; then
   * 429 for that pair until the window, which starts at the first failure, ends. The key keeps
   * its old name (it once limited the email and the address each), so stored documents stay valid.
   */
  loginMaxAttempts: count(1_000).default(5),
  loginWindowSeconds: seconds(86_400).default(60),
  /** Failed logins for one email from every address in a window before each attempt is delayed. */
  loginEmailMaxFailures: count(1_000_000).default(50),
  /** Starts at the first failure; past the budget, every further failure starts it again. */
  loginEmailWindowSeconds: seconds(86_400).default(900),
  /** The delay after the budget's last failure; it doubles with each failure past it, up to the next. */
  loginEmailDelaySeconds: seconds(3_600).default(1),
  /** The longest delay: the longest an owner waits because of others' failures. */
  loginEmailMaxDelaySeconds: seconds(3_600).default(60),
  /**
   * An address (IPv4, IPv6 /64) the account logged in from within this many days is known:
   * the email's delays do not apply there (0: no address is known).
   */
  loginKnownAddressDays: z.number().int().min(0).max(365).default(30),
  /** Failed logins from one IPv4 address, for every email, in a window of loginAddressWindowSeconds. */
  loginIpv4MaxFailures: count(1_000_000).default(100),
  /** The same for an IPv6 /64, /56 and /48: nested, each larger, so a /48 cannot rotate its /64s. */
  loginIpv6Net64MaxFailures: count(1_000_000).default(100),
  loginIpv6Net56MaxFailures: count(1_000_000).default(200),
  loginIpv6Net48MaxFailures: count(1_000_000).default(400),
  loginAddressWindowSeconds: seconds(86_400).default(60),
  /** Successful logins (so new sessions) for one account in a window, from anywhere. */
  loginMaxSuccesses: count(1_000_000).default(20),
  loginSuccessWindowSeconds: seconds(86_400).default(60),
  resetTokenTtlSeconds: z.number().int().min(1).max(86_400).default(900),
  /** At most one reset email per account in this many seconds (0: one for every request). */
  resetEmailIntervalSeconds: z.number().int().min(0).max(86_400).default(60),
  /** How long a registration waits for its email to be confirmed before it is forgotten. */
  verificationTtlSeconds: z.number().int().min(60).max(30 * 86_400).default(86_400),
  /** Registrations from one client address (an IPv6 client: its /64) per hour. */
  registrationsPerAddressPerHour: z.number().int().min(1).max(1_000_000).default(10),
  /** Registrations on the whole platform per minute: caps the verification mail anyone can trigger. */
  registrationsPerMinute: z.number().int().min(1).max(1_000_000).default(100),
});
