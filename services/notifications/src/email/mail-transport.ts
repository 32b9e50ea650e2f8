import type { Redis } from 'ioredis';
import { createTransport } from 'nodemailer';
import { type Outbox, OutboxEmail } from '@contracts/notifications';

/** An email ready to go, with what makes it traceable (job id, deterministic Message-ID). */
export type RenderedEmail = OutboxEmail;

/** The key that says an email went out, and how long it is kept. */
export interface SentMarker {
  key: string;
  ttlSeconds: number;
}

/** Where emails go. Each implementation sets the "sent" marker as close to the send as it can. */
export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  /** Delivers the email, then records it as sent. */
  deliver(email: RenderedEmail, marker: SentMarker): Promise<void>;
  /** The newest emails of the dev outbox; `enabled: false` when emails go out over SMTP. */
  readOutbox(limit: number): Promise<Outbox>;
  close(): Promise<void>;
}

/** SMTP via nodemailer, pooled: a few connections reused across jobs, not one per email. */
export class SmtpMailTransport implements MailTransport {
  readonly kind = 'smtp';
  private readonly transporter;

  constructor(
    url: string,
    private readonly redis: Redis,
  ) {
    this.transporter = createTransport({
      url,
      pool: true,
      maxConnections: 5,
      // A relay that stops answering must fail the attempt (and be retried) well before
      // BullMQ's 30 s job lock runs out.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 15_000,
    });
  }

  async deliver(email: RenderedEmail, marker: SentMarker): Promise<void> {
    await this.transporter.sendMail({
      from: email.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      messageId: email.messageId,
    });
    // The one window left: the relay accepted the email and the process dies before this SET
    // reaches Redis. The job then runs again and sends a second copy (at-least-once: SMTP
    // cannot take part in a Redis transaction). The copy has the same Message-ID, which
    // receiving systems use to recognise a duplicate. The connection used here waits for
    // Redis through an outage instead of failing, so an outage alone does not open the window.
    await this.redis.set(marker.key, email.sentAt, 'EX', marker.ttlSeconds);
  }

  async readOutbox(): Promise<Outbox> {
    return { enabled: false, emails: [] };
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/**
 * Records the marker and appends to the outbox in one script: either both happen or neither,
 * so an outbox email is there exactly once per job however often the job runs.
 */
const APPEND_TO_OUTBOX = `
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[3]) then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
return 1
`;

type OutboxRedis = Redis & {
  notificationsAppendToOutbox(sentKey: string, outboxKey: string, email: string, sentAt: string, ttlSeconds: number, maxEmails: number): Promise<number>;
};

/** The dev outbox: a bounded Redis list that `GET /dev/outbox` reads. */
export class OutboxMailTransport implements MailTransport {
  readonly kind = 'outbox';

  private readonly redis: OutboxRedis;

  constructor(
    redis: Redis,
    private readonly outboxKey: string,
    private readonly maxEmails: number,
  ) {
    redis.defineCommand('notificationsAppendToOutbox', { numberOfKeys: 2, lua: APPEND_TO_OUTBOX });
    this.redis = redis as OutboxRedis;
  }

  async deliver(email: RenderedEmail, marker: SentMarker): Promise<void> {
    await this.redis.notificationsAppendToOutbox(marker.key, this.outboxKey, JSON.stringify(email), email.sentAt, marker.ttlSeconds, this.maxEmails);
  }

  async readOutbox(limit: number): Promise<Outbox> {
    const entries = await this.redis.lrange(this.outboxKey, 0, limit - 1);
    return { enabled: true, emails: entries.map((entry) => OutboxEmail.parse(JSON.parse(entry))) };
  }

  async close(): Promise<void> {
    // Nothing of its own to close: the connection belongs to the module that created it.
  }
}
