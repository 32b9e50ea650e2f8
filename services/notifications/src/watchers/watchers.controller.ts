import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { CatalogEvents, NotificationsRpc, StockUpdated, WatchProduct } from '@platform/contracts';
import { ZodValidationPipe } from '@platform/http';
import type { z } from 'zod';
import { WatchersService } from './watchers.service.js';

/** Watch requests from the gateway, and catalog's stock events. */
@Controller()
export class WatchersController {
  constructor(private readonly watchers: WatchersService) {}

  @MessagePattern(NotificationsRpc.watchProduct.pattern)
  async watch(@Payload(new ZodValidationPipe(WatchProduct)) { productId, email }: z.output<typeof WatchProduct>) {
    await this.watchers.watch(productId, email);
    return { productId, watching: true as const };
  }

  @EventPattern<string>(CatalogEvents.stockUpdated.name)
  onStockUpdated(@Payload(new ZodValidationPipe(StockUpdated)) event: StockUpdated) {
    return this.watchers.onStockUpdated(event);
  }
}
