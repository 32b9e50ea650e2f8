import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { SeedEvents, SeedPing } from '@platform/contracts';
import { ZodValidationPipe } from '@platform/http';

/** The seeds' `/test2`: every subscribed service receives the event. */
@Controller()
export class SeedController {
  private readonly logger = new Logger(SeedController.name);

  @EventPattern<string>(SeedEvents.ping.name)
  onPing(@Payload(new ZodValidationPipe(SeedPing)) event: SeedPing): void {
    this.logger.log(`received ${SeedEvents.ping.name} ${event.id}`);
  }
}
