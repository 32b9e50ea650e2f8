import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EmailJob } from '@contracts/notifications';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NodemailerError } from 'nodemailer';
import type { NotificationsConfig } from '../config.js';
import { NOTIFICATIONS_CONFIG } from '../notifications.constants.js';
import { EMAIL_WORKER_REDIS, EmailKeys, MAIL_TRANSPORT, SENDING_CLAIM_MS, SENT_MARKER_TTL_SECONDS } from './email.constants.js';
import { renderEmail } from './email-templates.js';
import type { MailTransport } from './mail-transport.js';

export type DeliveryOutcome = 'sent' | 'already-sent';

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

/** Deletes the claim only if this attempt still holds it (it may have expired and been retaken). */
const RELEASE_CLAIM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Sends one email job at most once per job id, however often BullMQ runs it: after a
 * retry, a stalled attempt handed to another worker, a replay from the dead letters, or a
 * producer adding the same id again. Two Redis keys make that hold (see EmailKeys):
 * - `sent`, written with the delivery (atomically for the outbox; right after the relay's
 *   acceptance for SMTP, see SmtpMailTransport for the one remaining window);
 * - `sending`, a claim with a deadline, so two attempts of one job never send at the same
 *   time (BullMQ can start a second attempt while a stalled first one is still running).
 */
type ScriptedRedis = Redis & {
  notificationsCheckAndClaim(sentKey: string, claimKey: string, claim: string, claimMs: number): Promise<'sent' | 'claimed' | 'busy'>;
  notificationsReleaseClaim(claimKey: string, claim: string): Promise<number>;
};

@Injectable()
export class EmailDelivery {
  private readonly from: string;
  private readonly messageIdDomain: string;
  private readonly redis: ScriptedRedis;

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(EMAIL_WORKER_REDIS) redis: Redis,
    @Inject(NOTIFICATIONS_CONFIG) config: NotificationsConfig,
  ) {
    redis.defineCommand('notificationsCheckAndClaim', { numberOfKeys: 2, lua: CHECK_AND_CLAIM });
    redis.defineCommand('notificationsReleaseClaim', { numberOfKeys: 1, lua: RELEASE_CLAIM });
    this.redis = redis as ScriptedRedis;
    this.from = config.MAIL_FROM;
    this.messageIdDomain = /@([^\s>]+)>?\s*$/.exec(config.MAIL_FROM)?.[1] ?? 'platform.local';
  }

  async deliver(jobId: string, email: EmailJob): Promise<DeliveryOutcome> {
    const sentKey = EmailKeys.sent(jobId);
    const claimKey = EmailKeys.sending(jobId);
    const claim = randomUUID();
    const state = await this.redis.notificationsCheckAndClaim(sentKey, claimKey, claim, SENDING_CLAIM_MS);
    if (state === 'sent') return 'already-sent';
    if (state !== 'claimed') {
      // A failed attempt: BullMQ retries it later, when the other attempt has finished.
      throw new Error(`job ${jobId} is being sent by another attempt right now`);
    }
    try {
      const { subject, text } = renderEmail(email);
      const rendered = {
        jobId,
        template: email.template,
        // Deterministic, so a duplicate that slips through is recognisable as one.
        messageId: `<${jobId}@${this.messageIdDomain}>`,
        from: this.from,
        to: email.to,
        subject,
        text,
        sentAt: new Date().toISOString(),
      };
      await this.transport.deliver(rendered, { key: sentKey, ttlSeconds: SENT_MARKER_TTL_SECONDS }).catch((error: unknown) => {
        throw permanentRejection(error) ?? error;
      });
      return 'sent';
    } finally {
      await this.redis.notificationsReleaseClaim(claimKey, claim);
    }
  }
}

/**
 * A relay's permanent refusal (5xx: unknown mailbox, policy) fails the job for good at once,
 * into the dead letters, where an operator can replay it once the cause is fixed; retrying
 * would only be refused again. Transient failures (4xx, connection errors) are retried.
 */
function permanentRejection(error: unknown): UnrecoverableError | undefined {
  const smtp = error as NodemailerError;
  if (smtp?.permanent !== true) return undefined;
  return new UnrecoverableError(`the mail server refused the email for good: ${smtp.response ?? smtp.message}`);
}
