import { commonEnv, loadConfig, port, positiveInt, redisSettingsFromEnv } from '@platform/config';
import { EMAIL_JOB_POLICY } from '@contracts/notifications';
import { z } from 'zod';

const NotificationsEnv = z.object({
  ...commonEnv,
  PORT: port().default(3004),
  /**
   * `smtp://[user:password@]host:port` (STARTTLS when the server offers it) or `smtps://` (TLS
   * from the start). A secret: may be given as SMTP_URL_FILE. Unset: emails go to the dev
   * outbox in Redis instead, readable at the gateway's `GET /dev/outbox`.
   */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  /** The From header of every email. */
  MAIL_FROM: z.string().trim().min(3).max(320).default('Platform <no-reply@platform.local>'),
  /** Attempts of the email jobs notifications enqueues, and the first retry's delay (it doubles). */
  EMAIL_ATTEMPTS: positiveInt().max(50).default(EMAIL_JOB_POLICY.attempts),
  EMAIL_BACKOFF_MS: positiveInt().max(3_600_000).default(EMAIL_JOB_POLICY.backoffDelayMs),
  /**
   * How often the email worker looks for jobs whose worker died mid-job and queues them again.
   * Such a job waits for its lock to expire (BullMQ's 30 s), then for up to two checks: BullMQ
   * notes the job at one check and moves it at the next. Each check is one script on Redis,
   * and holds off every other worker's check for its own interval: give every worker of the
   * queue the same value.
   */
  EMAIL_STALLED_CHECK_MS: positiveInt().min(1_000).max(300_000).default(30_000),
  /** How many emails the dev outbox keeps (newest first; older ones are dropped). */
  OUTBOX_MAX_EMAILS: positiveInt().max(10_000).default(100),
});

/** notifications' configuration, validated once at start. */
export function loadNotificationsConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(NotificationsEnv, env);
  return { ...values, redis: redisSettingsFromEnv(values) };
}

export type NotificationsConfig = ReturnType<typeof loadNotificationsConfig>;
