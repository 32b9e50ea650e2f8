import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { CatalogEvents, CatalogRpc, CreateProduct, ProductLookup, ProductViewed, TopProductsRequest, UpdateStock } from '@platform/contracts';
import { ZodValidationPipe } from '@platform/http';
import type { z } from 'zod';
import { ProductsService } from './products.service.js';

/** catalog's products over the Redis transport: requests from the gateway, view events. */
@Controller()
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @MessagePattern(CatalogRpc.createProduct.pattern)
  create(@Payload(new ZodValidationPipe(CreateProduct)) input: z.output<typeof CreateProduct>) {
    return this.products.create(input);
  }

  @MessagePattern(CatalogRpc.getProduct.pattern)
  get(@Payload(new ZodValidationPipe(ProductLookup)) { id }: z.output<typeof ProductLookup>) {
    return this.products.get(id);
  }

  @MessagePattern(CatalogRpc.topProducts.pattern)
  top(@Payload(new ZodValidationPipe(TopProductsRequest)) { limit }: z.output<typeof TopProductsRequest>) {
    return this.products.top(limit);
  }

  @MessagePattern(CatalogRpc.updateStock.pattern)
  updateStock(@Payload(new ZodValidationPipe(UpdateStock)) { id, stock }: z.output<typeof UpdateStock>) {
    return this.products.updateStock(id, stock);
  }

  @EventPattern<string>(CatalogEvents.productViewed.name)
  onViewed(@Payload(new ZodValidationPipe(ProductViewed)) { productId }: z.output<typeof ProductViewed>) {
    return this.products.recordView(productId);
  }
}
