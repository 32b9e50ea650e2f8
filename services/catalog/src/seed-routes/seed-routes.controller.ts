import { hostname } from 'node:os';
import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { type HelloReply, HelloRequest, SeedEvents, SeedPing, SeedRpc } from '@contracts/seed-routes';
import { HandlesEvent, HandlesRequest, transportOf } from '@platform/transport';
import type { z } from 'zod';

/** The seeds' `/test1` (request/response over Redis) and `/test2` (an event) for catalog. */
@Controller()
export class SeedRoutesController {
  private readonly logger = new Logger(SeedRoutesController.name);
  private readonly instance = `${hostname()}:${process.pid}`;

  @HandlesRequest(SeedRpc.catalogHello)
  hello(@Payload() request: z.output<typeof HelloRequest>, @Ctx() context: unknown): HelloReply {
    const transport = transportOf(context);
    return {
      transport,
      service: 'catalog',
      instance: this.instance,
      message: `Hello ${request.from}, this is catalog answering over ${transport}`,
      at: new Date().toISOString(),
    };
  }

  @HandlesEvent(SeedEvents.ping)
  onPing(@Payload() event: SeedPing): void {
    this.logger.log(`received ${SeedEvents.ping.name} ${event.id}`);
  }
}
