import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { SeedEvents, SeedPing } from '@contracts/seed-routes';
import { HandlesEvent } from '@platform/transport';

/** The seeds' `/test2`: every subscribed service receives the event. */
@Controller()
export class SeedRoutesController {
  private readonly logger = new Logger(SeedRoutesController.name);

  @HandlesEvent(SeedEvents.ping)
  onPing(@Payload() event: SeedPing): void {
    this.logger.log(`received ${SeedEvents.ping.name} ${event.id}`);
  }
}
