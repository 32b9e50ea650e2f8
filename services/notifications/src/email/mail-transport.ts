import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createTransport } from 'nodemailer';
import { type Outbox, OutboxEmail } from '@contracts/notifications';
import { EmailKeys, SENDING_CLAIM_MS, SENT_MARKER_TTL_SECONDS } from './email.constants.js';

/** An email ready to go, with what makes it traceable (job id, deterministic Message-ID). */
export type RenderedEmail = OutboxEmail;

/** `already-sent`: the job's email went out before (its `sent` marker), nothing was sent now. */
export type DeliveryOutcome = 'sent' | 'already-sent';

/**
 * Where emails go. Each implementation sends a job's email at most once per job id, however
 * often and however concurrently BullMQ runs the job (a retry, a stalled attempt handed to
 * another worker, a replay from the dead letters, a producer adding the same id again), with
 * two Redis keys per job (EmailKeys): `sent`, written with the delivery, and `sending`, a claim
 * held while an attempt sends outside Redis. Each does it in as few round trips as its medium
 * allows: one for the outbox, two for SMTP.
 */
export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  /** Delivers the email unless its job's email already went out, and records it as sent. */
  deliver(email: RenderedEmail): Promise<DeliveryOutcome>;
  /** The newest emails of the dev outbox; `enabled: false` when emails go out over SMTP. */
  readOutbox(limit: number): Promise<Outbox>;
  close(): Promise<void>;
}

/** A failed attempt: BullMQ retries it later, when the attempt holding the claim has finished. */
function busy(jobId: string): Error {
  return new Error(`job ${jobId} is being sent by another attempt right now`);
}

/**
 * The check and the claim in one atomic step (one round trip): 'sent' when the email already
 * went out, 'busy' when another attempt holds the claim, else the claim is taken: 'claimed'.
 * Atomic, so no attempt can finish between this attempt's check and its claim.
 */
const CHECK_AND_CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'sent' end
if redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return 'claimed' end
return 'busy'
`;

/**
 * The marker, and the claim released if this attempt still holds it (it may have expired and
 * been retaken): one round trip after the relay's acceptance.
 */
const MARK_SENT_AND_RELEASE = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
`;

/** Deletes the claim only if this attempt still holds it (it may have expired and been retaken). */
const RELEASE_CLAIM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type SmtpRedis = Redis & {
  notificationsCheckAndClaim(sentKey: string, claimKey: string, claim: string, claimMs: number): Promise<'sent' | 'claimed' | 'busy'>;
  notificationsMarkSentAndRelease(sentKey: string, claimKey: string, sentAt: string, ttlSeconds: number, claim: string): Promise<number>;
  notificationsReleaseClaim(claimKey: string, claim: string): Promise<number>;
};

/**
 * SMTP via nodemailer, pooled: a few connections reused across jobs, not one per email.
 * The send happens outside Redis, so an attempt first claims the job (two attempts never send
 * at once), sends, then writes the marker and releases the claim together: two round trips.
 */
export class SmtpMailTransport implements MailTransport {
  readonly kind = 'smtp';
  private readonly transporter;
  private readonly redis: SmtpRedis;

  constructor(url: string, redis: Redis) {
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
    redis.defineCommand('notificationsCheckAndClaim', { numberOfKeys: 2, lua: CHECK_AND_CLAIM });
    redis.defineCommand('notificationsMarkSentAndRelease', { numberOfKeys: 2, lua: MARK_SENT_AND_RELEASE });
    redis.defineCommand('notificationsReleaseClaim', { numberOfKeys: 1, lua: RELEASE_CLAIM });
    this.redis = redis as SmtpRedis;
  }

  async deliver(email: RenderedEmail): Promise<DeliveryOutcome> {
    const sentKey = EmailKeys.sent(email.jobId);
    const claimKey = EmailKeys.sending(email.jobId);
    const claim = randomUUID();
    const state = await this.redis.notificationsCheckAndClaim(sentKey, claimKey, claim, SENDING_CLAIM_MS);
    if (state === 'sent') return 'already-sent';
    if (state !== 'claimed') throw busy(email.jobId);
    try {
      await this.transporter.sendMail({ from: email.from, to: email.to, subject: email.subject, text: email.text, messageId: email.messageId });
    } catch (error) {
      await this.redis.notificationsReleaseClaim(claimKey, claim);
      throw error;
    }
    // The one window left: the relay accepted the email and the process dies before this
    // script reaches Redis. The job then runs again (once the claim has expired) and sends a
    // second copy (at-least-once: SMTP cannot take part in a Redis transaction). The copy has
    // the same Message-ID, which receiving systems use to recognise a duplicate. The connection
    // used here waits for Redis through an outage instead of failing, so an outage alone does
    // not open the window.
    await this.redis.notificationsMarkSentAndRelease(sentKey, claimKey, email.sentAt, SENT_MARKER_TTL_SECONDS, claim);
    return 'sent';
  }

  async readOutbox(): Promise<Outbox> {
    return { enabled: false, emails: [] };
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/**
 * The whole delivery in one script, so one round trip: the check, the marker and the outbox
 * write happen together or not at all, and Redis runs scripts one at a time, so concurrent
 * attempts of a job cannot both write and no claim is needed. An SMTP attempt's claim (a
 * replica configured with SMTP_URL, during a switch) is still honoured: 'busy'. The marker is
 * the first write: Redis refuses a script for lack of memory only at its first write, so such
 * a refusal leaves nothing half done.
 */
const DELIVER_TO_OUTBOX = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'already-sent' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'busy' end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
return 'sent'
`;

type OutboxRedis = Redis & {
  notificationsDeliverToOutbox(
    sentKey: string,
    claimKey: string,
    outboxKey: string,
    email: string,
    sentAt: string,
    ttlSeconds: number,
    maxEmails: number,
  ): Promise<DeliveryOutcome | 'busy'>;
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
    redis.defineCommand('notificationsDeliverToOutbox', { numberOfKeys: 3, lua: DELIVER_TO_OUTBOX });
    this.redis = redis as OutboxRedis;
  }

  async deliver(email: RenderedEmail): Promise<DeliveryOutcome> {
    const outcome = await this.redis.notificationsDeliverToOutbox(
      EmailKeys.sent(email.jobId),
      EmailKeys.sending(email.jobId),
      this.outboxKey,
      JSON.stringify(email),
      email.sentAt,
      SENT_MARKER_TTL_SECONDS,
      this.maxEmails,
    );
    if (outcome === 'busy') throw busy(email.jobId);
    return outcome;
  }

  async readOutbox(limit: number): Promise<Outbox> {
    const entries = await this.redis.lrange(this.outboxKey, 0, limit - 1);
    return { enabled: true, emails: entries.map((entry) => OutboxEmail.parse(JSON.parse(entry))) };
  }

  async close(): Promise<void> {
    // Nothing of its own to close: the connection belongs to the module that created it.
  }
}
