import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CatalogEvents, StockUpdated } from '@contracts/catalog';
import { HandlesEvent } from '@platform/transport';
import { ProductCache } from './product-cache.js';

/** catalog's stock events: the cached copy of the product is stale from now on. */
@Controller()
export class StockEventsController {
  constructor(private readonly cache: ProductCache) {}

  @HandlesEvent(CatalogEvents.stockUpdated)
  onStockUpdated(@Payload() { productId, version }: StockUpdated) {
    return this.cache.invalidate(productId, version);
  }
}
