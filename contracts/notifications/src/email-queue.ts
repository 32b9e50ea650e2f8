import { z } from 'zod';
import { defineQueue, type JobPolicy } from '@platform/contracts';

const Email = z.email().max(254);

/** A "back in stock" notice to one watcher of a product. */
export const BackInStockEmail = z
  .object({
    template: z.literal('back-in-stock'),
    to: Email,
    data: z.object({ productId: z.string().min(1).max(64), productName: z.string().min(1).max(200), stock: z.number().int().positive() }).strict(),
  })
  .strict();

/** A single-use password-reset token (the plain token: only its hash is kept by accounts). */
export const PasswordResetEmail = z
  .object({
    template: z.literal('password-reset'),
    to: Email,
    data: z.object({ token: z.string().min(16).max(256).meta({ sensitive: true }), expiresAt: z.iso.datetime() }).strict(),
  })
  .strict();

/** The single-use token that turns a registration into an account. */
export const VerifyEmail = z
  .object({
    template: z.literal('verify-email'),
    to: Email,
    data: z.object({ token: z.string().min(16).max(256).meta({ sensitive: true }), expiresAt: z.iso.datetime() }).strict(),
  })
  .strict();

/** Someone registered with an address that has an account: its owner is told, nobody else. */
export const AccountExistsEmail = z.object({ template: z.literal('account-exists'), to: Email, data: z.object({}).strict() }).strict();

/** The payload of a job on the email queue. */
export const EmailJob = z.discriminatedUnion('template', [BackInStockEmail, PasswordResetEmail, VerifyEmail, AccountExistsEmail]);
export type EmailJob = z.output<typeof EmailJob>;

/** Job names on the email queue. */
export const EmailJobs = {
  send: 'send',
} as const;

/**
 * The retry and retention policy of every email job, whoever enqueues it. Retries back off
 * exponentially (2 s, 4 s, 8 s, 16 s) with up to 50% jitter so a failing SMTP relay is not
 * hammered in lockstep; a job that fails every attempt stays in the queue's failed set, the
 * dead letters, for 14 days (at most 10,000), to be inspected and replayed.
 */
export const EMAIL_JOB_POLICY: JobPolicy = Object.freeze({
  attempts: 5,
  backoffDelayMs: 2_000,
  backoffJitter: 0.5,
  keepCompleted: Object.freeze({ age: 24 * 3_600, count: 1_000 }),
  keepFailed: Object.freeze({ age: 14 * 24 * 3_600, count: 10_000 }),
});

/**
 * The queues notifications works off, as contracts: producers (accounts, notifications) add
 * jobs and inspectors read them through @platform/queues, which takes the job options (and
 * trace context) from here. A queue's name is in its Redis keys (`bull:email:*`): renaming it
 * strands every job already queued, so rename only with a migration.
 */
export const NotificationsQueues = {
  email: defineQueue('email', { jobs: { [EmailJobs.send]: EmailJob }, policy: EMAIL_JOB_POLICY }),
} as const;
