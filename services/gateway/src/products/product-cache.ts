import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Product } from '@contracts/catalog';
import { LiveConfig } from '@platform/live-config';
import { CatalogSettings } from './catalog-settings.js';
import { isRedisReady } from '@platform/redis';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG } from '../gateway.constants.js';
import { CACHE_REDIS } from './products.constants.js';

/**
 * One hash per product id: `v` (the product version it is about), `body` (the product's
 * JSON) and `missing` (catalog said 404). An entry with `v` and no body is a tombstone: a
 * stock change at that version happened, so any copy older than it must not be cached.
 */
const entryKey = (id: string) => `gateway:cache:product:${id}`;
/** Held by the one caller, across every gateway replica, that fills an entry from catalog. */
const fillLockKey = (id: string) => `gateway:cache:product:${id}:fill`;

/** Each entry lives 80–100% of the configured TTL, so entries cached together do not expire together. */
const TTL_JITTER = 0.2;
/** How long "this id does not exist" is remembered: short, it only absorbs repeated misses. */
const MISSING_TTL_MS = 10_000;
/** How often a caller waiting for another replica's fill looks at the cache again. */
const WAIT_POLL_MS = 20;

/**
 * Writes a product unless the entry holds the same or a newer version, or a tombstone newer
 * than it. This closes cache-aside's classic race: a fill that read the product just before
 * a stock change, and writes just after the invalidation, would otherwise cache the old
 * stock until the TTL ran out.
 */
const WRITE_PRODUCT = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v'))
local incoming = tonumber(ARGV[1])
if current and (current > incoming or (current == incoming and redis.call('HEXISTS', KEYS[1], 'body') == 1)) then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'body', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** Remembers a 404 (version 0, below every real version), unless anything is there already. */
const WRITE_MISSING = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '0', 'missing', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/** Replaces anything older than `version` with a tombstone; a newer entry stays. */
const INVALIDATE = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v'))
if current and current >= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** Releases the fill lock only if this caller still holds it (it may have expired and been retaken). */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Entry = { kind: 'product'; product: Product } | { kind: 'missing' } | { kind: 'none' } | { kind: 'unavailable' };

/** A product (undefined: it does not exist) and whether the cache answered it. */
export interface CacheLookup {
  product: Product | undefined;
  cache: 'hit' | 'miss';
}

/** Loads a product from its source of truth; undefined when it does not exist. */
export type ProductLoader = (id: string) => Promise<Product | undefined>;

/**
 * Cache-aside for products, in front of catalog. Misses are filled once however many
 * requests miss together: concurrent misses in this process share one fill (single-flight),
 * and across replicas the fill takes a short Redis lock while the others wait and read the
 * cache again. The cache is an optimisation, never a dependency: when its Redis fails, the
 * product is loaded from catalog and the request succeeds uncached.
 */
/** The cache's scripts, sent once and run by their SHA (ioredis defineCommand). */
type CacheRedis = Redis & {
  gatewayCacheWriteProduct(key: string, version: number, body: string, ttlMs: number): Promise<unknown>;
  gatewayCacheWriteMissing(key: string, ttlMs: number): Promise<unknown>;
  gatewayCacheInvalidate(key: string, version: number, ttlMs: number): Promise<unknown>;
  gatewayCacheUnlock(key: string, token: string): Promise<unknown>;
};

@Injectable()
export class ProductCache {
  private readonly logger = new Logger(ProductCache.name);
  private readonly inFlight = new Map<string, Promise<Product | undefined>>();
  /** A fill holds the lock at most as long as its call to catalog may take. */
  private readonly lockMs: number;
  private lastError = '';
  private readonly redis: CacheRedis;

  constructor(
    @Inject(CACHE_REDIS) redis: Redis,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly liveConfig: LiveConfig,
  ) {
    redis.defineCommand('gatewayCacheWriteProduct', { numberOfKeys: 1, lua: WRITE_PRODUCT });
    redis.defineCommand('gatewayCacheWriteMissing', { numberOfKeys: 1, lua: WRITE_MISSING });
    redis.defineCommand('gatewayCacheInvalidate', { numberOfKeys: 1, lua: INVALIDATE });
    redis.defineCommand('gatewayCacheUnlock', { numberOfKeys: 1, lua: UNLOCK });
    this.redis = redis as CacheRedis;
    this.lockMs = config.RPC_TIMEOUT_MS + 1_000;
  }

  async get(id: string, load: ProductLoader): Promise<CacheLookup> {
    const entry = await this.read(id);
    if (entry.kind === 'product') return { product: entry.product, cache: 'hit' };
    if (entry.kind === 'missing') return { product: undefined, cache: 'hit' };
    if (entry.kind === 'unavailable') return { product: await load(id), cache: 'miss' };
    return { product: await this.fillOnce(id, load), cache: 'miss' };
  }

  /**
   * Drops every cached copy older than `version` (the product's version after a change).
   * Also forgets this process's fill in progress, which may carry the old copy: requests from
   * now on start a fresh one. Throws when Redis fails, so an event can be redelivered.
   */
  async invalidate(id: string, version: number): Promise<void> {
    this.inFlight.delete(id);
    await this.redis.gatewayCacheInvalidate(entryKey(id), version, this.ttlMs());
  }

  private fillOnce(id: string, load: ProductLoader): Promise<Product | undefined> {
    const running = this.inFlight.get(id);
    if (running) return running;
    const fill = this.fill(id, load).finally(() => {
      if (this.inFlight.get(id) === fill) this.inFlight.delete(id);
    });
    this.inFlight.set(id, fill);
    return fill;
  }

  private async fill(id: string, load: ProductLoader): Promise<Product | undefined> {
    const token = randomUUID();
    const lock = await this.lock(id, token);
    if (lock === 'held') {
      const filled = await this.awaitOtherFill(id);
      if (filled) return filled.kind === 'product' ? filled.product : undefined;
      // The holder failed, or its copy was refused as stale: load it here.
    }
    try {
      if (lock === 'acquired') {
        // A fill that finished between our read and our lock left its entry: use it.
        const entry = await this.read(id);
        if (entry.kind === 'product') return entry.product;
        if (entry.kind === 'missing') return undefined;
      }
      const product = await load(id);
      await this.store(id, product);
      return product;
    } finally {
      if (lock === 'acquired') await this.redis.gatewayCacheUnlock(fillLockKey(id), token).catch(() => undefined);
    }
  }

  private async lock(id: string, token: string): Promise<'acquired' | 'held' | 'unavailable'> {
    try {
      return (await this.redis.set(fillLockKey(id), token, 'PX', this.lockMs, 'NX')) === 'OK' ? 'acquired' : 'held';
    } catch (error) {
      this.warn(error);
      return 'unavailable';
    }
  }

  /** Waits for another replica's fill; undefined when it gave up without leaving an entry. */
  private async awaitOtherFill(id: string): Promise<Extract<Entry, { kind: 'product' | 'missing' }> | undefined> {
    const deadline = Date.now() + this.lockMs;
    while (Date.now() < deadline) {
      await sleep(WAIT_POLL_MS);
      try {
        // One transaction: the holder writes the entry before releasing the lock, so "no entry
        // and no lock" read atomically means it finished without one.
        const replies = await this.redis.multi().hmget(entryKey(id), 'v', 'body', 'missing').exists(fillLockKey(id)).exec();
        const entry = this.parse((replies?.[0]?.[1] ?? []) as Array<string | null>);
        if (entry.kind === 'product' || entry.kind === 'missing') return entry;
        if (replies?.[1]?.[1] === 0) return undefined;
      } catch (error) {
        this.warn(error);
        return undefined;
      }
    }
    return undefined;
  }

  private async read(id: string): Promise<Entry> {
    // Not connected (an outage, a reconnect): go to catalog at once rather than queue the read.
    if (!isRedisReady(this.redis)) return { kind: 'unavailable' };
    try {
      const entry = this.parse(await this.redis.hmget(entryKey(id), 'v', 'body', 'missing'));
      this.lastError = '';
      return entry;
    } catch (error) {
      this.warn(error);
      return { kind: 'unavailable' };
    }
  }

  private parse([, body, missing]: Array<string | null>): Entry {
    if (missing === '1') return { kind: 'missing' };
    if (!body) return { kind: 'none' };
    const product = Product.safeParse(JSON.parse(body));
    return product.success ? { kind: 'product', product: product.data } : { kind: 'none' };
  }

  private async store(id: string, product: Product | undefined): Promise<void> {
    try {
      if (product) await this.redis.gatewayCacheWriteProduct(entryKey(id), product.version, JSON.stringify(product), this.ttlMs());
      else await this.redis.gatewayCacheWriteMissing(entryKey(id), Math.min(MISSING_TTL_MS, this.ttlMs()));
    } catch (error) {
      this.warn(error);
    }
  }

  /** `catalog.cacheTtlSeconds` from the live config, with jitter. */
  private ttlMs(): number {
    const ttlMs = this.liveConfig.get(CatalogSettings, 'cacheTtlSeconds') * 1_000;
    return Math.max(1, Math.round(ttlMs * (1 - TTL_JITTER * Math.random())));
  }

  /** Logs each new cache failure once: a Redis outage would otherwise log on every request. */
  private warn(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message === this.lastError) return;
    this.lastError = message;
    this.logger.warn(`product cache unavailable, serving from catalog: ${message}`);
  }
}
