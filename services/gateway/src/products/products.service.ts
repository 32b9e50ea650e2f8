import { HttpException, HttpStatus, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { CatalogCounters, CatalogEvents, CatalogRpc, type CreateProduct, type Product, type TopProducts } from '@contracts/catalog';
import { NotificationsRpc } from '@contracts/notifications';
import { Counters } from '@platform/counters';
import { MetricsService } from '@platform/metrics';
import { RpcClient } from '@platform/transport';
import { type CacheLookup, ProductCache } from './product-cache.js';

@Injectable()
export class ProductsService {
  private readonly logger = new Logger(ProductsService.name);
  private lastViewError = '';
  private readonly lookups;

  constructor(
    private readonly rpc: RpcClient,
    private readonly cache: ProductCache,
    private readonly counters: Counters,
    metrics: MetricsService,
  ) {
    // This replica's own view; platform_cache_requests_total (Redis-kept) is the platform's.
    this.lookups = metrics.counter({
      name: 'cache_requests_total',
      help: 'Product cache lookups in this gateway replica, by result.',
      labelNames: ['cache', 'result'],
    });
  }

  create(input: CreateProduct): Promise<Product> {
    return this.rpc.call(CatalogRpc.createProduct, input);
  }

  /**
   * `GET /products/:id`: through the cache; a product served is a view, counted by catalog
   * for most-viewed (an event: the answer does not wait for it).
   */
  async view(id: string): Promise<CacheLookup> {
    const lookup = await this.cache.get(id, this.load);
    this.counters.increment(CatalogCounters.cacheRequests, { result: lookup.cache });
    this.lookups.inc({ cache: 'product', result: lookup.cache });
    if (lookup.product) {
      this.counters.increment(CatalogCounters.productViews);
      this.rpc.emit(CatalogEvents.productViewed, { productId: id }).then(
        () => {
          this.lastViewError = '';
        },
        (error: unknown) => {
          // Once per distinct failure: while Redis is down every view would log otherwise.
          const message = (error as Error).message;
          if (message !== this.lastViewError) this.logger.warn(`product views are not being counted: ${message}`);
          this.lastViewError = message;
        },
      );
    }
    return lookup;
  }

  top(limit: number): Promise<TopProducts> {
    return this.rpc.call(CatalogRpc.topProducts, { limit });
  }

  /**
   * Changes the stock and drops the cached copy right away, so the caller reads its own
   * write from any replica. The stock.updated event invalidates too (for changes made
   * elsewhere); versions make the two idempotent, whichever comes first.
   */
  async updateStock(id: string, stock: number): Promise<Product> {
    const { product } = await this.rpc.call(CatalogRpc.updateStock, { id, stock });
    await this.cache.invalidate(id, product.version).catch((error: unknown) => {
      this.logger.warn(`stock of ${id} changed; its cached copy is dropped by the event or the TTL instead: ${(error as Error).message}`);
    });
    return product;
  }

  /** `POST /products/:id/watch`: the product must exist; the watch is kept by notifications. */
  async watch(id: string, email: string): Promise<void> {
    const { product } = await this.cache.get(id, this.load);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    await this.rpc.call(NotificationsRpc.watchProduct, { productId: id, email });
  }

  /** catalog's answer; a 404 is "does not exist" (and is cached as such), anything else fails the request. */
  private readonly load = async (id: string): Promise<Product | undefined> => {
    try {
      return await this.rpc.call(CatalogRpc.getProduct, { id });
    } catch (error) {
      if (error instanceof HttpException && error.getStatus() === HttpStatus.NOT_FOUND) return undefined;
      throw error;
    }
  };
}
