import { defineCounter, defineQueue } from '@platform/contracts';
import { COUNTER_INDEX_KEY, indexEntry } from '@platform/counters';
import { indexQueue } from '@platform/queues';
import { RedisServer, ServiceProcess, waitFor } from '@platform/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** Every sample of `metric` in a Prometheus text exposition: labels (as text) -> value. */
async function samples(url: string, metric: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${metric}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (match) found.set(match[1] ?? '', Number(match[2]));
  }
  return found;
}

/** Counters as services declare them: this service learns them from the index, never from a list. */
const logins = defineCounter({ name: 'shop_logins_total', help: 'Logins, by result.', labels: ['result'] });
const events = defineCounter({ name: 'shop_events_total', help: 'Events, by name.', labels: ['event'] });
const views = defineCounter({ name: 'shop_product_views_total', help: 'Product views.' });
/** A queue as a service declares it: found in the queue index, never in a list. */
const orders = defineQueue('shop-orders', {
  jobs: { place: z.object({ id: z.number().int() }) },
  policy: { attempts: 1, backoffDelayMs: 0, backoffJitter: 0, keepCompleted: { age: 60, count: 10 }, keepFailed: { age: 60, count: 10 } },
});

describe('metrics-exporter (a real process against a real Redis)', () => {
  let redis: RedisServer;
  let client: Redis;
  let exporter: ServiceProcess;
  let queue: Queue;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
    exporter = await ServiceProcess.start('metrics-exporter', { env: { REDIS_URL: redis.url } });
    queue = new Queue(orders.name, { connection: { host: '127.0.0.1', port: redis.port } });
  });

  afterAll(async () => {
    await queue?.close();
    await exporter?.stop();
    client?.disconnect();
    await redis?.destroy();
  });

  it('exports the counters the services declared, with their labels, and 0 for an unlabelled one never counted', async () => {
    expect(await samples(exporter.url, 'shop_product_views_total')).toEqual(new Map());
    // What Counters writes when a service declares these counters at start.
    await client.hset(COUNTER_INDEX_KEY, Object.fromEntries([logins, events, views].map((counter) => [counter.name, indexEntry(counter)])));
    expect(await samples(exporter.url, 'shop_product_views_total')).toEqual(new Map([['{service="metrics-exporter"}', 0]]));
    expect(await samples(exporter.url, 'shop_logins_total')).toEqual(new Map());
    await client.hincrby('platform:counters:shop_logins_total', 'result=success', 7);
    await client.hincrby('platform:counters:shop_logins_total', 'result=locked', 2);
    await client.hincrby('platform:counters:shop_events_total', 'event=stock.updated', 3);
    await client.hincrby('platform:counters:shop_product_views_total', '', 11);

    const loginSamples = await samples(exporter.url, 'shop_logins_total');
    expect(loginSamples).toEqual(
      new Map([
        ['{result="success",service="metrics-exporter"}', 7],
        ['{result="locked",service="metrics-exporter"}', 2],
      ]),
    );
    expect(await samples(exporter.url, 'shop_events_total')).toEqual(new Map([['{event="stock.updated",service="metrics-exporter"}', 3]]));
    expect(await samples(exporter.url, 'shop_product_views_total')).toEqual(new Map([['{service="metrics-exporter"}', 11]]));
    // Totals are read on every scrape, never accumulated by the exporter.
    await client.hincrby('platform:counters:shop_logins_total', 'result=success', 1);
    expect((await samples(exporter.url, 'shop_logins_total')).get('{result="success",service="metrics-exporter"}')).toBe(8);
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(text).toContain('# HELP shop_logins_total Logins, by result.');
    expect(text).toContain('# TYPE shop_logins_total counter');
    // A total without an index entry is not exported (nobody said what it counts).
    await client.hincrby('platform:counters:unknown_total', '', 1);
    expect(await (await fetch(`${exporter.url}/metrics`)).text()).not.toContain('unknown_total');
  });

  it('follows the index: a counter removed from it is no longer exported, a label set it does not declare is left out', async () => {
    await client.hdel(COUNTER_INDEX_KEY, events.name);
    await client.hincrby('platform:counters:shop_logins_total', 'outcome=odd', 1);
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(text).not.toContain('shop_events_total');
    expect(await samples(exporter.url, 'shop_logins_total')).toEqual(
      new Map([
        ['{result="success",service="metrics-exporter"}', 8],
        ['{result="locked",service="metrics-exporter"}', 2],
      ]),
    );
  });

  it('exports a gauge per state of each queue in the queue index', async () => {
    await queue.add('place', { id: 1 }, { jobId: 'a' });
    await queue.add('place', { id: 2 }, { jobId: 'b', delay: 60_000 });
    // Jobs alone are not enough: the exporter reads the index (what QueueProducer writes), not the keyspace.
    expect(await samples(exporter.url, 'platform_queue_jobs')).toEqual(new Map());
    await indexQueue(client, orders);
    const gauges = await samples(exporter.url, 'platform_queue_jobs');
    expect(Object.fromEntries(gauges)).toEqual({
      '{queue="shop-orders",state="waiting",service="metrics-exporter"}': 1,
      '{queue="shop-orders",state="active",service="metrics-exporter"}': 0,
      '{queue="shop-orders",state="delayed",service="metrics-exporter"}': 1,
      '{queue="shop-orders",state="failed",service="metrics-exporter"}': 0,
      '{queue="shop-orders",state="completed",service="metrics-exporter"}': 0,
    });
  });

  it('keeps serving /metrics while Redis is down, without the Redis-kept series', async () => {
    await redis.kill();
    try {
      const response = await fetch(`${exporter.url}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).not.toMatch(/^shop_logins_total\{/m);
      expect(text).not.toMatch(/^platform_queue_jobs\{/m);
    } finally {
      await redis.start();
    }
    // The test's client reconnects by itself. Disconnecting it while it waits to retry would end
    // a socket that is already gone, and ioredis' 2 s fallback timer for that end kept jest
    // from exiting after the run ("Jest did not exit one second after the test run").
    await waitFor('the test client to reconnect', () => client.status === 'ready');
    // The server lost its data (no AOF): the counters come back as their services write them again.
    await client.hset(COUNTER_INDEX_KEY, views.name, indexEntry(views));
    await waitFor('the counters to be exported again', async () => (await samples(exporter.url, 'shop_product_views_total')).size === 1, {
      timeoutMs: 10_000,
    });
  });
});
