import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { SeedEvents, SeedPing } from '@platform/contracts';
import { HandlesEvent } from '@platform/transport';

/** The seeds' `/test2`: every subscribed service receives the event. */
@Controller()
export class SeedController {
  private readonly logger = new Logger(SeedController.name);

  @HandlesEvent(SeedEvents.ping)
  onPing(@Payload() event: SeedPing): void {
    this.logger.log(`received ${SeedEvents.ping.name} ${event.id}`);
  }
}
