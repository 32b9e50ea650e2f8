import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CatalogEvents, StockUpdated } from '@platform/contracts';
import { ZodValidationPipe } from '@platform/http';
import { ProductCache } from './product-cache.js';

/** catalog's stock events: the cached copy of the product is stale from now on. */
@Controller()
export class StockEventsController {
  constructor(private readonly cache: ProductCache) {}

  @EventPattern<string>(CatalogEvents.stockUpdated.name)
  onStockUpdated(@Payload(new ZodValidationPipe(StockUpdated)) { productId, version }: StockUpdated) {
    return this.cache.invalidate(productId, version);
  }
}
