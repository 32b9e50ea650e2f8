import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { CatalogCounters, CatalogEvents, type CreateProduct, type Product, type TopProducts } from '@contracts/catalog';
import { Counters } from '@platform/counters';
import { RpcClient } from '@platform/transport';
import { ProductRepository, type StockChangeResult } from './product.repository.js';

@Injectable()
export class ProductsService {
  private readonly logger = new Logger(ProductsService.name);

  constructor(
    private readonly products: ProductRepository,
    private readonly rpc: RpcClient,
    private readonly counters: Counters,
  ) {}

  create(input: CreateProduct): Promise<Product> {
    return this.products.create(input);
  }

  async get(id: string): Promise<Product> {
    const product = await this.products.findById(id);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    return product;
  }

  /**
   * Sets the stock, then publishes stock.updated. The change is answered as done even when
   * the publish fails (Redis lost between the two): the stock did change, and both
   * subscribers tolerate a missed event (see docs/example-domain.md, stock events).
   */
  async updateStock(id: string, stock: number): Promise<StockChangeResult> {
    const result = await this.products.updateStock(id, stock);
    if (!result) throw new NotFoundException(`product ${id} does not exist`);
    const { product, previousStock } = result;
    try {
      await this.rpc.emit(CatalogEvents.stockUpdated, {
        productId: product.id,
        productName: product.name,
        previousStock,
        stock: product.stock,
        version: product.version,
        updatedAt: product.updatedAt,
      });
      this.counters.increment(CatalogCounters.events, { event: CatalogEvents.stockUpdated.name });
    } catch (error) {
      this.logger.error(`stock of ${id} changed to ${stock} but ${CatalogEvents.stockUpdated.name} was not published: ${(error as Error).message}`);
    }
    return result;
  }

  recordView(id: string): Promise<void> {
    return this.products.recordView(id);
  }

  async top(limit: number): Promise<TopProducts> {
    const ranked = await this.products.mostViewed(limit);
    const products = await this.products.findMany(ranked.map(({ id }) => id));
    const views = new Map(ranked.map(({ id, views }) => [id, views]));
    return { products: products.map((product) => Object.assign(product, { views: views.get(product.id) ?? 0 })) };
  }
}
