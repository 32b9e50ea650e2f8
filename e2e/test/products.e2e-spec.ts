import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CatalogRpc } from '@contracts/catalog';
import { RedisServer, ServiceProcess, waitFor } from '@platform/testing';
import { type Platform, startPlatform } from './platform.js';
import { ADMIN, ADMIN_TOKEN, callDirectly, createProduct, handled, JSON_BODY, platformCounter, setStock, storedProducts, type ProductBody } from './shop.js';

// On both transports: stock.updated and product.viewed travel as stream entries (the default)
// or as Nest's pub/sub messages, and the behaviour a user sees is the same.
describe.each(['redis-streams', 'redis'])('products through the gateway over %s (cache-aside, most viewed, stock events; real Redis, every service a real process)', (transport) => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ env: { RPC_TRANSPORT: transport }, gatewayEnv: { ADMIN_TOKEN } });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  function post(body: string, headers: Record<string, string> = { ...ADMIN, ...JSON_BODY }) {
    return platform.request('/products', { method: 'POST', headers, body });
  }

  function get(id: string, gateway = platform.gateway.url) {
    return fetch(`${gateway}/products/${id}`).then(async (response) => ({
      status: response.status,
      cache: response.headers.get('x-cache'),
      body: (await response.json()) as ProductBody & { message?: string },
    }));
  }

  it('creates a product for the admin only, and refuses bad bodies with 400 without storing anything', async () => {
    const before = await storedProducts(platform);
    const valid = JSON.stringify({ name: 'Mug', price: 9.99, stock: 3 });

    expect((await post(valid, JSON_BODY)).status).toBe(401);
    expect((await post(valid, { ...JSON_BODY, authorization: 'Bearer not-the-admin-token' })).status).toBe(401);
    const invalid = [
      {},
      { name: '', price: 1, stock: 1 },
      { name: 'x', price: -1, stock: 1 },
      { name: 'x', price: 1.234, stock: 1 },
      { name: 'x', price: '1', stock: 1 },
      { name: 'x', price: 1, stock: 1.5 },
      { name: 'x', price: 1, stock: -1 },
      { name: 'x', price: 1, stock: 1, id: randomUUID() },
    ];
    for (const body of invalid) {
      const answer = await post(JSON.stringify(body));
      expect({ body, status: answer.status, error: answer.body.error }).toEqual({ body, status: 400, error: 'Bad Request' });
    }
    expect((await post('{"name": "Mug", ')).status).toBe(400);
    expect(await storedProducts(platform)).toEqual(before);

    const created = await post(valid);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Mug',
      price: 9.99,
      stock: 3,
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await storedProducts(platform)).toEqual([...before, `catalog:product:${created.body.id}`].sort());
  });

  it('serves GET /products/:id from the cache after the first read: x-cache miss, then hit', async () => {
    const product = await createProduct(platform, { name: 'Teapot', price: 25, stock: 4 });
    const first = await get(product.id);
    expect(first).toMatchObject({ status: 200, cache: 'miss', body: product });
    const second = await get(product.id);
    expect(second).toMatchObject({ status: 200, cache: 'hit', body: product });
  });

  it('answers 400 for a malformed id and 404 for an unknown one (then from the cache), changing nothing', async () => {
    const before = await storedProducts(platform);
    for (const bad of ['not-a-uuid', '123', `${randomUUID()}x`]) {
      expect((await platform.request(`/products/${bad}`)).status).toBe(400);
      expect((await setStock(platform, bad, 3)).status).toBe(400);
    }
    const unknown = randomUUID();
    expect(await get(unknown)).toMatchObject({ status: 404, cache: 'miss', body: { message: `product ${unknown} does not exist` } });
    expect(await get(unknown)).toMatchObject({ status: 404, cache: 'hit' });
    expect((await setStock(platform, unknown, 3)).status).toBe(404);
    expect(await storedProducts(platform)).toEqual(before);
  });

  it('PATCH /products/:id/stock is for the admin, validates, invalidates the cached copy and publishes stock.updated', async () => {
    const product = await createProduct(platform, { name: 'Kettle', price: 30, stock: 2 });
    await get(product.id);
    expect((await get(product.id)).cache).toBe('hit');
    const published = await platformCounter(platform, 'platform_events_total', { event: 'stock.updated' });

    const anonymous = await platform.request(`/products/${product.id}/stock`, { method: 'PATCH', headers: JSON_BODY, body: '{"stock":9}' });
    expect(anonymous.status).toBe(401);
    for (const stock of [-1, 1.5, '7', null]) expect((await setStock(platform, product.id, stock)).status).toBe(400);
    const extra = await platform.request(`/products/${product.id}/stock`, { method: 'PATCH', headers: { ...ADMIN, ...JSON_BODY }, body: '{"stock":9,"price":1}' });
    expect(extra.status).toBe(400);
    expect(await get(product.id)).toMatchObject({ cache: 'hit', body: { stock: 2, version: 1 } });

    const changed = await setStock(platform, product.id, 7);
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: product.id, stock: 7, version: 2 });
    expect(await get(product.id)).toMatchObject({ status: 200, cache: 'miss', body: { stock: 7, version: 2 } });
    expect(await get(product.id)).toMatchObject({ cache: 'hit', body: { stock: 7 } });
    await waitFor('stock.updated to be counted', async () => (await platformCounter(platform, 'platform_events_total', { event: 'stock.updated' })) === published + 1);
  });

  it('drops the cached copy when the stock changes elsewhere: stock.updated reaches the gateway', async () => {
    const product = await createProduct(platform, { name: 'Jug', price: 12.5, stock: 1 });
    await get(product.id);
    expect((await get(product.id)).cache).toBe('hit');
    const heard = await handled(platform, 'gateway', 'stock.updated', 'event');

    // Straight to catalog, as another service would: the gateway learns of it only from the event.
    await callDirectly(platform, CatalogRpc.updateStock, { id: product.id, stock: 42 });

    await waitFor('the gateway to handle stock.updated', async () => (await handled(platform, 'gateway', 'stock.updated', 'event')) === heard + 1);
    expect(await get(product.id)).toMatchObject({ status: 200, cache: 'miss', body: { stock: 42, version: 2 } });
  });

  it('makes one call to catalog for 100 concurrent misses on one product, across two gateway replicas', async () => {
    const product = await createProduct(platform, { name: 'Saucepan', price: 45, stock: 10 });
    const second = await ServiceProcess.start('gateway', { env: platform.gatewayEnv });
    try {
      const before = await handled(platform, 'catalog', CatalogRpc.getProduct.pattern);
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => get(product.id, i % 2 === 0 ? platform.gateway.url : second.url)));
      expect(answers.map(({ status }) => status)).toEqual(Array(100).fill(200));
      expect(new Set(answers.map(({ body }) => JSON.stringify(body))).size).toBe(1);
      expect(answers.filter(({ cache }) => cache === 'miss').length).toBeGreaterThan(0);
      expect(await handled(platform, 'catalog', CatalogRpc.getProduct.pattern)).toBe(before + 1);
      expect((await get(product.id, second.url)).cache).toBe('hit');
    } finally {
      await second.stop();
    }
  });

  it('ranks products by views: GET /products/top?limit=N, most viewed first', async () => {
    const [a, b, c] = await Promise.all(['Most', 'Second', 'Third'].map((name) => createProduct(platform, { name, price: 1, stock: 1 })));
    const viewsBefore = await platformCounter(platform, 'platform_product_views_total');
    for (const [product, views] of [[c!, 10], [a!, 30], [b!, 20]] as const) {
      await Promise.all(Array.from({ length: views }, () => get(product.id)));
    }
    const mine = (products: Array<ProductBody & { views: number }>) => products.filter(({ id }) => [a!.id, b!.id, c!.id].includes(id));
    const top = await waitFor('catalog to count every view', async () => {
      const { status, body } = await platform.request('/products/top?limit=100');
      expect(status).toBe(200);
      const ranked = mine(body.products);
      return ranked.map(({ views }) => views).join() === '30,20,10' ? body.products : undefined;
    });
    expect(mine(top).map(({ id }) => id)).toEqual([a!.id, b!.id, c!.id]);
    expect(mine(top)[0]).toMatchObject({ id: a!.id, name: 'Most', stock: 1, version: 1, views: 30 });
    const views = top.map(({ views }: { views: number }) => views);
    expect(views).toEqual([...views].sort((x, y) => y - x));

    const two = await platform.request('/products/top?limit=2');
    expect(two.status).toBe(200);
    expect(two.body.products.map(({ id }: ProductBody) => id)).toEqual(top.slice(0, 2).map(({ id }: ProductBody) => id));
    expect((await platform.request('/products/top')).body.products.length).toBeLessThanOrEqual(10);
    for (const bad of ['0', '101', 'abc', '2.5', '-1']) expect((await platform.request(`/products/top?limit=${bad}`)).status).toBe(400);
    await waitFor('product views to be counted', async () => (await platformCounter(platform, 'platform_product_views_total')) >= viewsBefore + 60);
  });

  it('counts cache hits and misses in the platform counters', async () => {
    const product = await createProduct(platform, { name: 'Counted', price: 2, stock: 2 });
    // Services flush their counters to Redis every 500 ms: let earlier tests' counts land first.
    await sleep(1_200);
    const [hits, misses] = await Promise.all(['hit', 'miss'].map((result) => platformCounter(platform, 'platform_cache_requests_total', { result })));
    await get(product.id);
    await get(product.id);
    await get(product.id);
    await waitFor('1 miss and 2 hits to be counted', async () => {
      const [hitsNow, missesNow] = await Promise.all(['hit', 'miss'].map((result) => platformCounter(platform, 'platform_cache_requests_total', { result })));
      return hitsNow === hits! + 2 && missesNow === misses! + 1;
    });
  });

  it('keeps the cache in its own Redis with CACHE_REDIS_URL, and serves from catalog while that Redis is down', async () => {
    const cacheRedis = await RedisServer.start({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'] });
    const gateway = await ServiceProcess.start('gateway', { env: { ...platform.gatewayEnv, CACHE_REDIS_URL: cacheRedis.url } });
    try {
      const product = await createProduct(platform, { name: 'Cached apart', price: 3, stock: 3 });
      expect(await get(product.id, gateway.url)).toMatchObject({ status: 200, cache: 'miss' });
      expect(await get(product.id, gateway.url)).toMatchObject({ status: 200, cache: 'hit' });
      const [own, shared] = [cacheRedis.client(), platform.redis.client()];
      try {
        expect(await own.exists(`gateway:cache:product:${product.id}`)).toBe(1);
        expect(await shared.exists(`gateway:cache:product:${product.id}`)).toBe(0);
      } finally {
        own.disconnect();
        shared.disconnect();
      }

      await cacheRedis.kill();
      for (let i = 0; i < 3; i++) expect(await get(product.id, gateway.url)).toMatchObject({ status: 200, cache: 'miss', body: { id: product.id } });
    } finally {
      await gateway.stop();
      await cacheRedis.destroy();
    }
  });
});
