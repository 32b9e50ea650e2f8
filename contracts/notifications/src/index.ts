import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ProductId } from '@contracts/catalog';
import { defineCounter, defineRpc, jobOptions } from '@platform/contracts';
import { EMAIL_JOB_POLICY, type EmailJob } from './email-queue.js';

/** An address as given by a user, compared case-insensitively (one watcher per address). */
export const EmailAddress = z.string().trim().toLowerCase().pipe(z.email().max(254));

/** `POST /products/:id/watch`: who wants the "back in stock" email. */
export const WatchProduct = z.object({ productId: ProductId, email: EmailAddress }).strict();

/** One email delivered to the dev outbox (no SMTP_URL), newest first in `GET /dev/outbox`. */
export const OutboxEmail = z
  .object({
    /** The email job's id: one outbox entry per job, however often the job ran. */
    jobId: z.string(),
    template: z.string(),
    messageId: z.string(),
    from: z.string(),
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    sentAt: z.iso.datetime(),
  })
  .strict();
export type OutboxEmail = z.output<typeof OutboxEmail>;

export const OutboxRequest = z.object({ limit: z.number().int().min(1).max(1_000) }).strict();
/** `GET /dev/outbox?limit=N` (strings in a query, hence the coercion). */
export const OutboxQuery = z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100) });
export const Outbox = z.object({ enabled: z.boolean(), emails: z.array(OutboxEmail) }).strict();
export type Outbox = z.output<typeof Outbox>;

export const NotificationsRpc = {
  watchProduct: defineRpc('notifications', 'watchProduct', {
    request: WatchProduct,
    response: z.object({ productId: ProductId, watching: z.literal(true) }).strict(),
  }),
  /** The dev outbox, newest first; `enabled: false` when notifications sends over SMTP. */
  outbox: defineRpc('notifications', 'outbox', { request: OutboxRequest, response: Outbox, readOnly: true }),
} as const;

/**
 * A deterministic job id for one email: the same `key` (what makes this email unique, e.g.
 * product, restock version and address) always gives the same id, so a producer that sends
 * the same request twice (a retried request, two replicas reacting to one event) adds one
 * job: BullMQ ignores an add whose id exists. Hashed so no address ends up in a Redis key;
 * no `:`, which BullMQ refuses in custom ids.
 */
export function emailJobId(template: EmailJob['template'], key: string): string {
  return `${template}.${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/** BullMQ options for adding an email job, per EMAIL_JOB_POLICY (overridable for tests). */
export function emailJobOptions(jobId: string, overrides: { attempts?: number; backoffDelayMs?: number } = {}) {
  return jobOptions(EMAIL_JOB_POLICY, jobId, overrides);
}

/** Notifications' business counters, kept in Redis and exported by metrics-exporter. */
export const NotificationsCounters = {
  /** status: sent | failed */
  emails: defineCounter({ name: 'platform_emails_total', help: 'Emails on the whole platform, by status (sent, failed).', labels: ['status'] }),
} as const;

export { BackInStockEmail, EMAIL_JOB_POLICY, EmailJob, EmailJobs, NotificationsQueues, PasswordResetEmail } from './email-queue.js';
