import { Inject, Injectable } from '@nestjs/common';
import type { EmailJob } from '@contracts/notifications';
import { UnrecoverableError } from 'bullmq';
import type { NodemailerError } from 'nodemailer';
import type { NotificationsConfig } from '../config.js';
import { NOTIFICATIONS_CONFIG } from '../notifications.constants.js';
import { MAIL_TRANSPORT } from './email.constants.js';
import { renderEmail } from './email-templates.js';
import type { DeliveryOutcome, MailTransport } from './mail-transport.js';

export type { DeliveryOutcome } from './mail-transport.js';

/**
 * Renders one email job and hands it to the mail transport, which sends it at most once per
 * job id however often BullMQ runs it (see MailTransport: the `sent` marker and the `sending`
 * claim, in one Redis round trip for the outbox, two for SMTP).
 */
@Injectable()
export class EmailDelivery {
  private readonly from: string;
  private readonly messageIdDomain: string;

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(NOTIFICATIONS_CONFIG) config: NotificationsConfig,
  ) {
    this.from = config.MAIL_FROM;
    this.messageIdDomain = /@([^\s>]+)>?\s*$/.exec(config.MAIL_FROM)?.[1] ?? 'platform.local';
  }

  async deliver(jobId: string, email: EmailJob): Promise<DeliveryOutcome> {
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
    try {
      return await this.transport.deliver(rendered);
    } catch (error) {
      throw permanentRejection(error) ?? error;
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
