import { defineConfigSection } from '@platform/contracts';
import { z } from 'zod';

/**
 * The `auth.*` keys of the central live configuration (`PUT /admin/config`): read by the login
 * limiter and the password reset, registered by AuthModule. Changes apply within a second.
 */
export const AuthSettings = defineConfigSection('auth', {
  loginMaxAttempts: z.number().int().min(1).max(1_000).default(5),
  loginWindowSeconds: z.number().int().min(1).max(86_400).default(60),
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
