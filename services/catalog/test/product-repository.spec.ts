import { randomUUID } from 'node:crypto';
import { RedisServer } from '@platform/testing';
import type { Redis } from 'ioredis';
import { ProductRepository } from '../src/products/product.repository.js';

describe('ProductRepository (real Redis)', () => {
  let server: RedisServer;
  let redis: Redis;
  let products: ProductRepository;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = server.client();
    products = new ProductRepository(redis);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.destroy();
  });

  it('stores a product as a hash and reads it back, at version 1', async () => {
    const created = await products.create({ name: 'Mug', price: 9.99, stock: 3 });
    expect(created).toMatchObject({ name: 'Mug', price: 9.99, stock: 3, version: 1 });
    expect(await products.findById(created.id)).toEqual(created);
    expect(await redis.hget(`catalog:product:${created.id}`, 'stock')).toBe('3');
    expect(await products.findById(randomUUID())).toBeUndefined();
  });

  it('changes the stock and the version together, and reports the stock before the change', async () => {
    const created = await products.create({ name: 'Bowl', price: 4, stock: 0 });
    const result = await products.updateStock(created.id, 5);
    expect(result).toEqual({ previousStock: 0, product: expect.objectContaining({ id: created.id, stock: 5, version: 2 }) });
    expect((await products.findById(created.id))?.stock).toBe(5);
  });

  it('never creates a product when the stock of an unknown id is set', async () => {
    const id = randomUUID();
    expect(await products.updateStock(id, 5)).toBeUndefined();
    expect(await redis.exists(`catalog:product:${id}`)).toBe(0);
  });

  it('reports each concurrent change against the stock it replaced (no lost or repeated restock)', async () => {
    const created = await products.create({ name: 'Plate', price: 2, stock: 0 });
    const targets = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 0 : i));
    const results = await Promise.all(targets.map((stock) => products.updateStock(created.id, stock)));
    // Applied in some order: each change's "previous" is the stock set by the change just before it.
    const byVersion = results.map((result) => result!).sort((a, b) => a.product.version - b.product.version);
    expect(byVersion.map(({ product }) => product.version)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    byVersion.forEach(({ previousStock }, i) => expect(previousStock).toBe(i === 0 ? 0 : byVersion[i - 1]!.product.stock));
  });

  it('ranks products by views, most viewed first, and reads several products in one round trip', async () => {
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((name) => products.create({ name, price: 1, stock: 1 })));
    for (const [product, views] of [[a!, 3], [b!, 5], [c!, 1]] as const) {
      for (let i = 0; i < views; i++) await products.recordView(product.id);
    }
    expect(await products.mostViewed(2)).toEqual([
      { id: b!.id, views: 5 },
      { id: a!.id, views: 3 },
    ]);
    expect((await products.findMany([c!.id, randomUUID(), a!.id])).map(({ id }) => id)).toEqual([c!.id, a!.id]);
    // A view of a product that does not exist is not ranked.
    await products.recordView(randomUUID());
    expect(await redis.zcard('catalog:product-views')).toBe(3);
  });
});
