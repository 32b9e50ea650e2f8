/** The worker's own Redis connection (role `blocking`): see EmailModule for why it is separate. */
export const EMAIL_WORKER_REDIS = Symbol('EMAIL_WORKER_REDIS');

/** How emails leave: SMTP, or the dev outbox (MailTransport). */
export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/** Redis keys of email delivery. Persisted: change them only with a migration. */
export const EmailKeys = {
  /** Set once an email went out: a job that runs again (retry, stall, replay, re-add) skips it. */
  sent: (jobId: string) => `notifications:email:sent:${jobId}`,
  /** Held while one attempt is sending, so two attempts of one job never send at once. */
  sending: (jobId: string) => `notifications:email:sending:${jobId}`,
  /** The dev outbox: a list, newest first, trimmed to OUTBOX_MAX_EMAILS. */
  outbox: 'notifications:outbox',
} as const;

/**
 * How long the "sent" marker is kept: well past the day a completed job stays in BullMQ,
 * so a producer that re-adds the same job id after BullMQ removed the job still finds it.
 */
export const SENT_MARKER_TTL_SECONDS = 7 * 24 * 3_600;

/**
 * How long one attempt may hold the "sending" claim: BullMQ's job lock (30 s), past which
 * BullMQ itself considers the attempt stalled and hands the job to another worker.
 */
export const SENDING_CLAIM_MS = 30_000;

/** Worker settings (static: @Processor reads them at decoration time). */
export const EMAIL_WORKER_CONCURRENCY = 5;
