import { z } from 'zod';
import { defineCounter, defineEvent, defineRpc } from '@platform/contracts';

/** Product ids are UUIDs chosen by catalog; anything else is a 400 before any lookup. */
export const ProductId = z.uuid({ error: 'must be a product id (a UUID)' });

export const ProductName = z.string().trim().min(1).max(200);

/** A price in the currency's major unit, with at most two decimals (19.99). */
export const Price = z
  .number()
  .positive()
  .max(1_000_000)
  .refine((price) => Math.abs(price * 100 - Math.round(price * 100)) < 1e-6, { error: 'must have at most two decimals' });

export const Stock = z.number().int().min(0).max(1_000_000);

/**
 * A product as catalog answers it. `version` grows by one with every change (1 at creation):
 * caches use it to refuse writing an older copy over a newer one.
 */
export const Product = z
  .object({
    id: ProductId,
    name: ProductName,
    price: Price,
    stock: Stock,
    version: z.number().int().positive(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .strict();
export type Product = z.output<typeof Product>;

/** `POST /products` body, and catalog.createProduct's request. */
export const CreateProduct = z.object({ name: ProductName, price: Price, stock: Stock }).strict();
export type CreateProduct = z.output<typeof CreateProduct>;

/** `PATCH /products/:id/stock` body. */
export const StockChange = z.object({ stock: Stock }).strict();

export const ProductLookup = z.object({ id: ProductId }).strict();
export const UpdateStock = z.object({ id: ProductId, stock: Stock }).strict();

/** `GET /products/top?limit=N`: query values are strings, hence the coercion. */
export const TopProductsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) });
export const TopProductsRequest = z.object({ limit: z.number().int().min(1).max(100) }).strict();
export const ViewedProduct = Product.extend({ views: z.number().int().nonnegative() });
export const TopProducts = z.object({ products: z.array(ViewedProduct) }).strict();
export type TopProducts = z.output<typeof TopProducts>;

/** What a stock change answers: the product after it, and the stock before it. */
export const StockUpdateResult = z.object({ product: Product, previousStock: Stock }).strict();

/**
 * Published by catalog after every stock change. The gateway drops its cached copy of the
 * product; notifications emails the product's watchers when `previousStock` is 0 and
 * `stock` is more. Pub/sub is at-most-once: see docs/example-domain.md for what a subscriber
 * that is down misses, and why that is acceptable for both.
 */
export const StockUpdated = z
  .object({
    productId: ProductId,
    productName: ProductName,
    previousStock: Stock,
    stock: Stock,
    /** The product's version after the change. */
    version: z.number().int().positive(),
    updatedAt: z.iso.datetime(),
  })
  .strict();
export type StockUpdated = z.output<typeof StockUpdated>;

/** Published by the gateway for every product it serves; catalog counts it in most-viewed. */
export const ProductViewed = z.object({ productId: ProductId }).strict();
export type ProductViewed = z.output<typeof ProductViewed>;

export const CatalogRpc = {
  createProduct: defineRpc('catalog', 'createProduct', { request: CreateProduct, response: Product }),
  /** 404 for an unknown id. */
  getProduct: defineRpc('catalog', 'getProduct', { request: ProductLookup, response: Product, readOnly: true }),
  topProducts: defineRpc('catalog', 'topProducts', { request: TopProductsRequest, response: TopProducts, readOnly: true }),
  /** 404 for an unknown id; publishes stock.updated. */
  updateStock: defineRpc('catalog', 'updateStock', { request: UpdateStock, response: StockUpdateResult }),
} as const;

export const CatalogEvents = {
  stockUpdated: defineEvent('stock.updated', StockUpdated),
  productViewed: defineEvent('product.viewed', ProductViewed),
} as const;

/**
 * Catalog's business counters, kept in Redis and exported by metrics-exporter. Counted by
 * catalog (events) and by the gateway's product cache (cache lookups, views).
 */
export const CatalogCounters = {
  /** result: hit | miss */
  cacheRequests: defineCounter({
    name: 'platform_cache_requests_total',
    help: 'Product cache lookups on the whole platform, by result (hit, miss).',
    labels: ['result'],
  }),
  productViews: defineCounter({ name: 'platform_product_views_total', help: 'Product views on the whole platform.' }),
  /** event: the event name, e.g. stock.updated */
  events: defineCounter({ name: 'platform_events_total', help: 'Domain events on the whole platform, by event name.', labels: ['event'] }),
} as const;
