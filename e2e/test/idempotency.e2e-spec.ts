import { randomUUID } from 'node:crypto';
import { CatalogRpc } from '@contracts/catalog';
import { NotificationsRpc } from '@contracts/notifications';
import { scrapeMetric } from '@platform/testing';
import { type Platform, startPlatform } from './platform.js';
import { ADMIN, ADMIN_TOKEN, createProduct, handled, JSON_BODY, loginAs, storedProducts } from './shop.js';

/**
 * Idempotency-Key through the real gateway (every service a real process, a real Redis): a
 * retried POST /products creates one product, whatever the retries; the key is the
 * caller's; and a Redis outage is a quick 503, not a hang.
 */
describe('Idempotency-Key on the gateway\'s unsafe routes (real Redis, every service a real process)', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ gatewayEnv: { ADMIN_TOKEN } });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  const createWithKey = (key: string, product: object) =>
    platform.request('/products', { method: 'POST', headers: { ...ADMIN, ...JSON_BODY, 'idempotency-key': key }, body: JSON.stringify(product) });

  it('creates one product for a POST /products sent twice with one key, and answers the retry with the same product', async () => {
    const key = randomUUID();
    const product = { name: `Teapot ${key}`, price: 24.5, stock: 4 };
    const before = await storedProducts(platform);
    const createCalls = await handled(platform, 'catalog', CatalogRpc.createProduct.pattern);

    const first = await createWithKey(key, product);
    const retry = await createWithKey(key, product);

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(retry.body).toEqual(first.body);
    // catalog holds exactly one more product, and handled createProduct once.
    expect(await storedProducts(platform)).toEqual([...before, `catalog:product:${first.body.id}`].sort());
    expect(await handled(platform, 'catalog', CatalogRpc.createProduct.pattern)).toBe(createCalls + 1);
    expect((await platform.request(`/products/${first.body.id}`)).body).toMatchObject({ id: first.body.id, name: product.name });
  });

  it('answers 422 to the same key with another body, and creates nothing', async () => {
    const key = randomUUID();
    expect((await createWithKey(key, { name: `Cup ${key}`, price: 3, stock: 1 })).status).toBe(201);
    const before = await storedProducts(platform);

    const reused = await createWithKey(key, { name: `Saucer ${key}`, price: 2, stock: 1 });
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({ statusCode: 422, error: 'Unprocessable Entity', message: expect.stringContaining('already used for a different request') });
    expect(await storedProducts(platform)).toEqual(before);
    expect(await scrapeMetric(platform.gateway.url, 'http_idempotency_requests_total', { route: '/products', outcome: 'mismatch' })).toBeGreaterThanOrEqual(1);
    expect(await scrapeMetric(platform.gateway.url, 'http_idempotency_requests_total', { route: '/products', outcome: 'replayed' })).toBeGreaterThanOrEqual(1);
  });

  it('keeps a logged-in caller\'s keys to its account: another user with the same key runs, the same user gets the answer back', async () => {
    const product = await createProduct(platform, { name: `Lamp ${randomUUID()}`, price: 40, stock: 0 });
    const [alice, bob] = await Promise.all([loginAs(platform, `alice-${randomUUID()}@example.com`), loginAs(platform, `bob-${randomUUID()}@example.com`)]);
    const key = randomUUID();
    const watches = await handled(platform, 'notifications', NotificationsRpc.watchProduct.pattern);
    const watch = (cookie: string) => platform.request(`/products/${product.id}/watch`, { method: 'POST', headers: { cookie, 'idempotency-key': key } });

    const [byAlice, byBob, aliceAgain] = [await watch(alice), await watch(bob), await watch(alice)];
    expect([byAlice.status, byBob.status, aliceAgain.status]).toEqual([204, 204, 204]);
    expect([byAlice, byBob, aliceAgain].map((answer) => answer.headers.get('idempotent-replayed'))).toEqual([null, null, 'true']);
    expect(await handled(platform, 'notifications', NotificationsRpc.watchProduct.pattern)).toBe(watches + 2);
  });

  it('answers a request with a key 503 within the Redis command timeout while Redis is down, rather than hang', async () => {
    await platform.redis.stop();
    try {
      const started = Date.now();
      const answer = await createWithKey(randomUUID(), { name: 'Vase', price: 12, stock: 1 });
      expect(answer.status).toBe(503);
      expect(answer.body.message).toMatch(/idempotency store is unavailable/);
      expect(Date.now() - started).toBeLessThan(3_500);
    } finally {
      await platform.redis.start();
    }
  });
});
