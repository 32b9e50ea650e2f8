import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CatalogEvents, StockUpdated } from '@contracts/catalog';
import { NotificationsRpc, WatchProduct } from '@contracts/notifications';
import { HandlesEvent, HandlesRequest } from '@platform/transport';
import type { z } from 'zod';
import { WatchersService } from './watchers.service.js';

/** Watch requests from the gateway, and catalog's stock events. */
@Controller()
export class WatchersController {
  constructor(private readonly watchers: WatchersService) {}

  @HandlesRequest(NotificationsRpc.watchProduct)
  async watch(@Payload() { productId, email }: z.output<typeof WatchProduct>) {
    await this.watchers.watch(productId, email);
    return { productId, watching: true as const };
  }

  @HandlesEvent(CatalogEvents.stockUpdated)
  onStockUpdated(@Payload() event: StockUpdated) {
    return this.watchers.onStockUpdated(event);
  }
}
