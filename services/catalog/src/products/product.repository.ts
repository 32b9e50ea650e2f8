import { Inject, Injectable } from '@nestjs/common';
import { type CreateProduct, Product } from '@contracts/catalog';
import { operationId } from '@platform/deadlines';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';

/** One hash per product. Key names are persisted: change them only with a migration. */
const productKey = (id: string) => `catalog:product:${id}`;
/** Sorted set of product ids scored by views: ZINCRBY per view, ZREVRANGE for the top N. */
const VIEWS_KEY = 'catalog:product-views';

/**
 * Changes the stock and bumps the version in one step, and answers the stock before the
 * change: a read-then-write from Node could interleave with another change and report the
 * wrong previous stock, which decides whether watchers get a "back in stock" email.
 * Returns nil for an unknown product (nothing is created).
 */
const UPDATE_STOCK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local previous = redis.call('HGET', KEYS[1], 'stock')
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'stock', ARGV[1], 'updatedAt', ARGV[2])
local fields = redis.call('HGETALL', KEYS[1])
table.insert(fields, 1, previous)
return fields
`;

/**
 * Stores a new product unless one exists under its id, and answers the stored one: a create
 * run again (its reply was lost, or its replica died after the write) gets the same id from
 * its operation (see create) and must find the first product, not overwrite it.
 */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
`;

/** Counts a view of an existing product only, so the ranking never holds ids of nothing. */
const RECORD_VIEW = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('ZINCRBY', KEYS[2], 1, ARGV[1])
`;

export interface StockChangeResult {
  product: Product;
  previousStock: number;
}

/** The scripts above, sent once and run by their SHA (ioredis defineCommand). */
type ScriptedRedis = Redis & {
  catalogCreate(key: string, ...fields: string[]): Promise<string[]>;
  catalogUpdateStock(key: string, stock: number, updatedAt: string): Promise<string[] | null>;
  catalogRecordView(key: string, viewsKey: string, id: string): Promise<unknown>;
};

/**
 * Where products live. Redis hashes, so the example runs with nothing but Redis; a team that
 * keeps products in a database replaces this class (same methods) and nothing else changes.
 */
@Injectable()
export class ProductRepository {
  private readonly redis: ScriptedRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    redis.defineCommand('catalogCreate', { numberOfKeys: 1, lua: CREATE });
    redis.defineCommand('catalogUpdateStock', { numberOfKeys: 1, lua: UPDATE_STOCK });
    redis.defineCommand('catalogRecordView', { numberOfKeys: 2, lua: RECORD_VIEW });
    this.redis = redis as ScriptedRedis;
  }

  /**
   * Creates a product. Its id comes from the request's operation (operationId): the same
   * every time this request is run, so running it twice leaves one product (random for a
   * call outside an operation, such as a test's).
   */
  async create(input: CreateProduct): Promise<Product> {
    const now = new Date().toISOString();
    const product: Product = { id: operationId('product'), ...input, version: 1, createdAt: now, updatedAt: now };
    const stored = fromHash(pairsToHash(await this.redis.catalogCreate(productKey(product.id), ...Object.entries(toHash(product)).flat())));
    if (!stored) throw new Error(`product ${product.id} was not stored`);
    return stored;
  }

  async findById(id: string): Promise<Product | undefined> {
    return fromHash(await this.redis.hgetall(productKey(id)));
  }

  /** The products that exist among `ids`, in the order of `ids`. */
  async findMany(ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(productKey(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, hash]) => {
      if (error) throw error;
      const product = fromHash(hash as Record<string, string>);
      return product ? [product] : [];
    });
  }

  /** Sets the stock; undefined when the product does not exist. */
  async updateStock(id: string, stock: number): Promise<StockChangeResult | undefined> {
    const reply = await this.redis.catalogUpdateStock(productKey(id), stock, new Date().toISOString());
    if (!reply) return undefined;
    const [previous, ...fields] = reply;
    const product = fromHash(pairsToHash(fields));
    if (!product) return undefined;
    return { product, previousStock: Number(previous) };
  }

  async recordView(id: string): Promise<void> {
    await this.redis.catalogRecordView(productKey(id), VIEWS_KEY, id);
  }

  /** The `limit` most viewed product ids with their views, most viewed first. */
  async mostViewed(limit: number): Promise<Array<{ id: string; views: number }>> {
    const flat = await this.redis.zrevrange(VIEWS_KEY, 0, limit - 1, 'WITHSCORES');
    const ranked: Array<{ id: string; views: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) ranked.push({ id: flat[i]!, views: Number(flat[i + 1]) });
    return ranked;
  }
}

/** A flat HGETALL reply from a script (`[field, value, ...]`) as a record. */
function pairsToHash(pairs: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) hash[pairs[i]!] = pairs[i + 1]!;
  return hash;
}

function toHash(product: Product): Record<string, string> {
  return {
    id: product.id,
    name: product.name,
    price: String(product.price),
    stock: String(product.stock),
    version: String(product.version),
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
  };
}

/** A stored hash back to a Product (validated: a hand-edited key fails loudly, not silently). */
function fromHash(hash: Record<string, string>): Product | undefined {
  if (!hash.id) return undefined;
  return Product.parse({
    ...hash,
    price: Number(hash.price),
    stock: Number(hash.stock),
    version: Number(hash.version),
  });
}
