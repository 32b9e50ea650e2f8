import { Controller, Get, Query } from '@nestjs/common';
import { NotificationsRpc, Outbox, OutboxQuery } from '@contracts/notifications';
import { Returns } from '@platform/http';
import { ZodValidationPipe } from '@platform/validation';
import { RpcClient } from '@platform/transport';
import type { z } from 'zod';

/**
 * `GET /dev/outbox`: the emails notifications delivered to its dev outbox (no SMTP_URL),
 * newest first. Exists only with DEV_ENDPOINTS=true: the outbox holds reset tokens.
 */
@Controller('dev')
export class OutboxController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('outbox')
  @Returns(Outbox)
  outbox(@Query(new ZodValidationPipe(OutboxQuery)) { limit }: z.output<typeof OutboxQuery>) {
    return this.rpc.call(NotificationsRpc.outbox, { limit });
  }
}
