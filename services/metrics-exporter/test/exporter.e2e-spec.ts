import { Queues } from '@platform/contracts';
import { RedisServer, ServiceProcess, waitFor } from '@platform/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

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

describe('metrics-exporter (a real process against a real Redis)', () => {
  let redis: RedisServer;
  let client: Redis;
  let exporter: ServiceProcess;
  let emails: Queue;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
    exporter = await ServiceProcess.start('metrics-exporter', { env: { REDIS_URL: redis.url } });
    emails = new Queue(Queues.email, { connection: { host: '127.0.0.1', port: redis.port } });
  });

  afterAll(async () => {
    await emails?.close();
    await exporter?.stop();
    client?.disconnect();
    await redis?.destroy();
  });

  it('exports the Redis-kept counters with their labels, and 0 for an unlabelled one never counted', async () => {
    expect(await samples(exporter.url, 'platform_product_views_total')).toEqual(new Map([['{service="metrics-exporter"}', 0]]));
    await client.hincrby('platform:counters:platform_logins_total', 'result=success', 7);
    await client.hincrby('platform:counters:platform_logins_total', 'result=locked', 2);
    await client.hincrby('platform:counters:platform_events_total', 'event=stock.updated', 3);
    await client.hincrby('platform:counters:platform_product_views_total', '', 11);

    const logins = await samples(exporter.url, 'platform_logins_total');
    expect(logins).toEqual(
      new Map([
        ['{result="success",service="metrics-exporter"}', 7],
        ['{result="locked",service="metrics-exporter"}', 2],
      ]),
    );
    expect(await samples(exporter.url, 'platform_events_total')).toEqual(new Map([['{event="stock.updated",service="metrics-exporter"}', 3]]));
    expect(await samples(exporter.url, 'platform_product_views_total')).toEqual(new Map([['{service="metrics-exporter"}', 11]]));
    // Totals are read on every scrape, never accumulated by the exporter.
    await client.hincrby('platform:counters:platform_logins_total', 'result=success', 1);
    expect((await samples(exporter.url, 'platform_logins_total')).get('{result="success",service="metrics-exporter"}')).toBe(8);
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(text).toContain('# TYPE platform_logins_total counter');
  });

  it('exports a gauge per queue and state', async () => {
    await emails.add('send', { template: 'back-in-stock' }, { jobId: 'a' });
    await emails.add('send', { template: 'back-in-stock' }, { jobId: 'b', delay: 60_000 });
    const gauges = await samples(exporter.url, 'platform_queue_jobs');
    expect(Object.fromEntries(gauges)).toEqual({
      '{queue="email",state="waiting",service="metrics-exporter"}': 1,
      '{queue="email",state="active",service="metrics-exporter"}': 0,
      '{queue="email",state="delayed",service="metrics-exporter"}': 1,
      '{queue="email",state="failed",service="metrics-exporter"}': 0,
      '{queue="email",state="completed",service="metrics-exporter"}': 0,
    });
  });

  it('keeps serving /metrics while Redis is down, without the Redis-kept series', async () => {
    await redis.kill();
    try {
      const response = await fetch(`${exporter.url}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).not.toMatch(/^platform_logins_total\{/m);
      expect(text).not.toMatch(/^platform_queue_jobs\{/m);
    } finally {
      await redis.start();
    }
    await waitFor('the counters to be exported again', async () => (await samples(exporter.url, 'platform_product_views_total')).size === 1, {
      timeoutMs: 10_000,
    });
  });
});
