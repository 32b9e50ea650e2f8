import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CatalogEvents, CatalogRpc, CreateProduct, ProductLookup, ProductViewed, TopProductsRequest, UpdateStock } from '@contracts/catalog';
import { HandlesEvent, HandlesRequest } from '@platform/transport';
import type { z } from 'zod';
import { ProductsService } from './products.service.js';

/** catalog's products over the Redis transport: requests from the gateway, view events. */
@Controller()
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @HandlesRequest(CatalogRpc.createProduct)
  create(@Payload() input: z.output<typeof CreateProduct>) {
    return this.products.create(input);
  }

  @HandlesRequest(CatalogRpc.getProduct)
  get(@Payload() { id }: z.output<typeof ProductLookup>) {
    return this.products.get(id);
  }

  @HandlesRequest(CatalogRpc.topProducts)
  top(@Payload() { limit }: z.output<typeof TopProductsRequest>) {
    return this.products.top(limit);
  }

  @HandlesRequest(CatalogRpc.updateStock)
  updateStock(@Payload() { id, stock }: z.output<typeof UpdateStock>) {
    return this.products.updateStock(id, stock);
  }

  @HandlesEvent(CatalogEvents.productViewed)
  onViewed(@Payload() { productId }: z.output<typeof ProductViewed>) {
    return this.products.recordView(productId);
  }
}
