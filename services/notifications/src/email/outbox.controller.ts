import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { NotificationsRpc, type Outbox, OutboxRequest } from '@contracts/notifications';
import { HandlesRequest } from '@platform/transport';
import type { z } from 'zod';
import { MAIL_TRANSPORT } from './email.constants.js';
import type { MailTransport } from './mail-transport.js';

/** The dev outbox for the gateway's `GET /dev/outbox` (the gateway decides whether to expose it). */
@Controller()
export class OutboxController {
  constructor(@Inject(MAIL_TRANSPORT) private readonly transport: MailTransport) {}

  @HandlesRequest(NotificationsRpc.outbox)
  read(@Payload() { limit }: z.output<typeof OutboxRequest>): Promise<Outbox> {
    return this.transport.readOutbox(limit);
  }
}
