import { z } from 'zod';

/**
 * BullMQ queue names. They are persisted in Redis keys (`bull:<name>:*`): renaming one
 * strands every job already in the old queue, so rename only with a migration.
 */
export const Queues = {
  email: 'email',
} as const;

export type QueueName = (typeof Queues)[keyof typeof Queues];

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
    data: z.object({ token: z.string().min(16).max(256), expiresAt: z.iso.datetime() }).strict(),
  })
  .strict();

/** The payload of a job on the email queue. */
export const EmailJob = z.discriminatedUnion('template', [BackInStockEmail, PasswordResetEmail]);
export type EmailJob = z.output<typeof EmailJob>;

/** Job names on the email queue. */
export const EmailJobs = {
  send: 'send',
} as const;
