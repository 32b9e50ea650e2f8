import { randomUUID } from 'node:crypto';
import { emailJobId, NotificationsQueues } from '@contracts/notifications';
import { QueueInspector, QueueProducer } from '@platform/queues';
import { RedisServer } from '@platform/testing';
import type { Redis } from 'ioredis';
import { WatchersService } from '../src/watchers/watchers.service.js';

describe('WatchersService (real Redis, real BullMQ queue)', () => {
  let server: RedisServer;
  let redis: Redis;
  let emails: QueueProducer<typeof NotificationsQueues.email>;
  let queue: QueueInspector;
  let watchers: WatchersService;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = server.client();
    emails = new QueueProducer(NotificationsQueues.email, redis);
    queue = new QueueInspector(NotificationsQueues.email, redis);
    watchers = new WatchersService(redis, emails);
  });

  afterAll(async () => {
    await emails?.onApplicationShutdown();
    await queue?.onApplicationShutdown();
    redis?.disconnect();
    await server?.destroy();
  });

  const restock = (productId: string, previousStock: number, stock: number, version: number) =>
    watchers.onStockUpdated({ productId, productName: 'Teapot', previousStock, stock, version, updatedAt: new Date().toISOString() });

  it('enqueues one job per watcher on a restock, once even when the event comes twice, and forgets the watchers', async () => {
    const productId = randomUUID();
    const addresses = Array.from({ length: 1_200 }, (_, i) => `w${i}@example.com`);
    for (const address of addresses) await watchers.watch(productId, address);
    await watchers.watch(productId, addresses[0]!);

    await restock(productId, 3, 0, 2);
    await restock(productId, 0, 0, 3);
    expect((await queue.counts(['waiting'])).waiting).toBe(0);

    await restock(productId, 0, 5, 4);
    await restock(productId, 0, 5, 4); // redelivered, or handled by a second replica
    expect((await queue.counts(['waiting'])).waiting).toBe(addresses.length);
    const job = await queue.job(emailJobId('back-in-stock', `${productId}/4/${addresses[7]}`));
    expect(job?.data).toEqual({ template: 'back-in-stock', to: addresses[7], data: { productId, productName: 'Teapot', stock: 5 } });
    expect(job?.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } });
    expect(await redis.exists(`notifications:watchers:${productId}`)).toBe(0);

    // Watching again after a restock waits for the next one.
    await watchers.watch(productId, 'late@example.com');
    await restock(productId, 5, 8, 5);
    expect((await queue.counts(['waiting'])).waiting).toBe(addresses.length);
    await restock(productId, 0, 1, 7);
    expect((await queue.counts(['waiting'])).waiting).toBe(addresses.length + 1);
  });
});
