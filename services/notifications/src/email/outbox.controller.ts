import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { NotificationsRpc, type Outbox, OutboxRequest } from '@platform/contracts';
import { ZodValidationPipe } from '@platform/http';
import type { z } from 'zod';
import { MAIL_TRANSPORT } from './email.constants.js';
import type { MailTransport } from './mail-transport.js';

/** The dev outbox for the gateway's `GET /dev/outbox` (the gateway decides whether to expose it). */
@Controller()
export class OutboxController {
  constructor(@Inject(MAIL_TRANSPORT) private readonly transport: MailTransport) {}

  @MessagePattern(NotificationsRpc.outbox.pattern)
  read(@Payload(new ZodValidationPipe(OutboxRequest)) { limit }: z.output<typeof OutboxRequest>): Promise<Outbox> {
    return this.transport.readOutbox(limit);
  }
}
