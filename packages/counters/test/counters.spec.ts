import { setTimeout as sleep } from 'node:timers/promises';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type CounterContract, defineCounter } from '@platform/contracts';
import { REDIS, RedisModule } from '@platform/redis';
import { BLOCK_PAST_COMMAND_TIMEOUT_MS, RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import {
  ANSWERED_MARKER_TTL_SECONDS,
  BATCH_MARKER_TTL_SECONDS,
  batchMarkerKey,
  COUNTER_BATCH_KEY_PREFIX,
  COUNTER_INDEX_KEY,
  type CounterBatch,
  Counters,
  CountersModule,
  indexEntry,
  readCounterIndex,
  readCounters,
  writeBatch,
} from '../src/index.js';

/** Counters as a service would declare them (names are the metrics', in the test's own namespace). */
const TestCounters = {
  logins: defineCounter({ name: 'test_logins_total', help: 'Logins, by result.', labels: ['result'] }),
  cacheRequests: defineCounter({ name: 'test_cache_requests_total', help: 'Cache lookups, by result.', labels: ['result'] }),
  productViews: defineCounter({ name: 'test_product_views_total', help: 'Product views.' }),
  emails: defineCounter({ name: 'test_emails_total', help: 'Emails, by status.', labels: ['status'] }),
  events: defineCounter({ name: 'test_events_total', help: 'Events, by name.', labels: ['event'] }),
};

async function startService(redis: RedisServer, flushIntervalMs: number, declared: CounterContract[] = []): Promise<INestApplicationContext> {
  @Module({ imports: [CountersModule.forFeature(declared)] })
  class FeatureModule {}
  @Module({
    imports: [
      RedisModule.forRoot({ settings: { url: redis.url }, clientName: 'counters-spec' }),
      CountersModule.forRoot({ service: 'counters-spec', flushIntervalMs }),
      FeatureModule,
    ],
  })
  class ServiceModule {}
  const app = await NestFactory.createApplicationContext(ServiceModule, { logger: false });
  await app.init();
  return app;
}

/** The ids of the batches whose markers exist, with their remaining TTL in seconds. */
async function markers(client: Redis): Promise<Map<string, number>> {
  const keys = await client.keys(`${COUNTER_BATCH_KEY_PREFIX}*`);
  const ttls = await Promise.all(keys.map((key) => client.ttl(key)));
  return new Map(keys.map((key, i) => [key.slice(COUNTER_BATCH_KEY_PREFIX.length), ttls[i]!]));
}

/** How many times Redis ran `command` (INFO commandstats). */
async function calls(client: Redis, command: string): Promise<number> {
  const info = await client.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

describe('counters against a real Redis', () => {
  let redis: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
  });

  afterEach(async () => {
    await client.flushall();
    await client.config('RESETSTAT');
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.destroy();
  });

  it('aggregates increments in memory and writes them in one batch per interval', async () => {
    // An interval the start, the increments and one INFO round trip fit in on a loaded machine.
    const app = await startService(redis, 1_000);
    const counters = app.get(Counters);
    for (let i = 0; i < 1_000; i++) counters.increment(TestCounters.logins, { result: i % 10 === 0 ? 'failure' : 'success' });
    counters.increment(TestCounters.productViews, {}, 5);
    counters.increment(TestCounters.productViews);
    // Nothing went to Redis on the "request path".
    expect(await calls(client, 'hincrby')).toBe(0);

    await waitFor('the flush', async () => (await client.hget('platform:counters:test_logins_total', 'result=success')) === '900');
    expect(await client.hgetall('platform:counters:test_logins_total')).toEqual({ 'result=success': '900', 'result=failure': '100' });
    expect(await client.hget('platform:counters:test_product_views_total', '')).toBe('6');
    // One HINCRBY per label set, in one script: one round trip.
    expect(await calls(client, 'hincrby')).toBe(3);
    expect((await calls(client, 'eval')) + (await calls(client, 'evalsha'))).toBe(1);
    await app.close();
  });

  it('flushes what is pending when the app stops, before the Redis connection closes', async () => {
    const app = await startService(redis, 60_000);
    const counters = app.get(Counters);
    counters.increment(TestCounters.emails, { status: 'sent' }, 3);
    counters.increment(TestCounters.events, { event: 'stock.updated' });
    await app.close();
    const totals = await readCounters(client);
    // Found through the index: exactly the counters that were counted, as they were declared.
    expect(totals).toEqual([
      { counter: TestCounters.emails, samples: [{ labels: { status: 'sent' }, value: 3 }] },
      { counter: TestCounters.events, samples: [{ labels: { event: 'stock.updated' }, value: 1 }] },
    ]);
    expect(await readCounters(client, [TestCounters.logins])).toEqual([{ counter: TestCounters.logins, samples: [] }]);
  });

  it('indexes the declared counters as soon as the service starts, and counted ones with their first flush', async () => {
    const app = await startService(redis, 60_000, [TestCounters.productViews, TestCounters.logins]);
    await waitFor('the declared counters in the index', async () => (await client.hlen(COUNTER_INDEX_KEY)) === 2);
    expect(await readCounters(client)).toEqual([
      { counter: TestCounters.logins, samples: [] },
      { counter: TestCounters.productViews, samples: [] },
    ]);
    expect(await client.hget(COUNTER_INDEX_KEY, 'test_logins_total')).toBe('{"help":"Logins, by result.","labels":["result"]}');

    const counters = app.get(Counters);
    counters.increment(TestCounters.cacheRequests, { result: 'hit' });
    await counters.flush();
    expect((await readCounterIndex(client)).map((counter) => counter.name)).toEqual(['test_cache_requests_total', 'test_logins_total', 'test_product_views_total']);
    // A second definition of a known name that differs is a programming error.
    const impostor = defineCounter({ name: 'test_logins_total', help: 'Something else.', labels: ['result'] });
    expect(() => counters.increment(impostor, { result: 'x' })).toThrow('test_logins_total is declared twice, with different help or labels');
    await app.close();
  });

  it('adds up across replicas', async () => {
    const replicas = await Promise.all([startService(redis, 100), startService(redis, 100)]);
    replicas.forEach((app, i) => app.get(Counters).increment(TestCounters.cacheRequests, { result: 'hit' }, i + 1));
    await Promise.all(replicas.map((app) => app.close()));
    expect(await client.hget('platform:counters:test_cache_requests_total', 'result=hit')).toBe('3');
  });

  it('keeps increments through a Redis outage and writes them once Redis is back', async () => {
    const app = await startService(redis, 100);
    const counters = app.get(Counters);
    counters.increment(TestCounters.logins, { result: 'success' });
    await waitFor('the first flush', async () => (await client.hget('platform:counters:test_logins_total', 'result=success')) === '1');
    // Redis has applied it, but the crash must also come after the answer reached the
    // counters: a batch still unanswered at the crash is sent again, and with its marker lost
    // with the data it would count twice (a CI run read 6). flush() waits for the running one.
    await counters.flush();
    client.disconnect();

    await redis.kill();
    for (let i = 0; i < 5; i++) counters.increment(TestCounters.logins, { result: 'success' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.start();

    client = redis.client();
    // The server lost its data (no AOF): only what was pending during the outage arrives.
    await waitFor(
      'the increments kept during the outage',
      async () => {
        const total = await client.hget('platform:counters:test_logins_total', 'result=success');
        // Thrown, so a timeout says what was there instead.
        if (total !== '5') throw new Error(`the total is ${total}`);
        return true;
      },
      { timeoutMs: 8_000 },
    );
    await app.close();
    // Sent once: a later flush does not repeat it.
    expect(await client.hget('platform:counters:test_logins_total', 'result=success')).toBe('5');
    // The index was lost with the data, and written again with the increments.
    expect(await readCounterIndex(client)).toEqual([TestCounters.logins]);
  });

  it('keeps only the increments Redis refused, so a partly applied batch is not counted twice', async () => {
    const app = await startService(redis, 60_000);
    const counters = app.get(Counters);
    // A field that is not an integer: its HINCRBY fails inside EXEC, the others are applied.
    await client.hset('platform:counters:test_logins_total', 'result=success', 'not a number');
    counters.increment(TestCounters.logins, { result: 'success' }, 2);
    counters.increment(TestCounters.logins, { result: 'failure' }, 3);
    await counters.flush();
    await counters.flush();
    expect(await client.hgetall('platform:counters:test_logins_total')).toEqual({ 'result=success': 'not a number', 'result=failure': '3' });

    // Once the field is repaired, the kept increment is written, once.
    await client.hdel('platform:counters:test_logins_total', 'result=success');
    await counters.flush();
    expect(await client.hget('platform:counters:test_logins_total', 'result=success')).toBe('2');
    await app.close();
  });

  it('counts an increment once when Redis applies its batch but the reply times out, and the batch is sent again', async () => {
    const app = await startService(redis, 60_000);
    const counters = app.get(Counters);
    // The service's connection is up before Redis blocks: one still connecting then (a loaded
    // machine's start-up) would queue the batch until after the block instead of sending it.
    await app.get<Redis>(REDIS).ping();
    // Redis is blocked for longer than the command connection's timeout (2 s).
    const busy = redis.block(BLOCK_PAST_COMMAND_TIMEOUT_MS);
    let blockOver = false;
    busy.then(
      () => {
        blockOver = true;
      },
      () => undefined,
    );
    await sleep(200);
    counters.increment(TestCounters.logins, { result: 'success' });
    await counters.flush();
    // The flush gave up waiting while Redis was still blocked (an answer could only come after
    // the block): its batch is kept, unanswered. Not timed with Date.now(): Node starts a timer
    // from the event loop's cached time, which a loaded machine leaves behind the clock, and the
    // 2 s command timeout measured 1,811-1,817 ms from the flush's call in three loaded runs.
    expect(blockOver).toBe(false);
    await busy;
    // ... while Redis applied it once the script ended.
    await waitFor('the batch sent during the block', async () => (await client.hget('platform:counters:test_logins_total', 'result=success')) === '1');
    const [id] = [...(await markers(client)).keys()];

    // Sent again unchanged, under the same id: a no-op this time.
    await counters.flush();
    await counters.flush();
    expect(await calls(client, 'evalsha')).toBe(1);
    expect([...(await markers(client)).keys()]).toEqual([id]);
    expect(await client.hget('platform:counters:test_logins_total', 'result=success')).toBe('1');

    // New increments go in a new batch, counted once as well.
    counters.increment(TestCounters.logins, { result: 'success' }, 2);
    await counters.flush();
    expect(await client.hget('platform:counters:test_logins_total', 'result=success')).toBe('3');
    await app.close();
  });

  it('applies a batch once however often it is delivered, index included', async () => {
    const batch: CounterBatch = {
      id: 'batch-1',
      index: [[TestCounters.logins.name, indexEntry(TestCounters.logins)]],
      increments: [
        { name: TestCounters.logins.name, field: 'result=success', amount: 4 },
        { name: TestCounters.logins.name, field: 'result=failure', amount: 1 },
      ],
      answered: [],
    };
    expect(await writeBatch(client, batch)).toEqual({ kind: 'applied', indexError: undefined, refused: [] });
    await client.hdel(COUNTER_INDEX_KEY, TestCounters.logins.name);
    // The marker exists: nothing of the batch is written again, not even the index entry.
    expect(await writeBatch(client, batch)).toEqual({ kind: 'duplicate' });
    expect(await client.hgetall('platform:counters:test_logins_total')).toEqual({ 'result=success': '4', 'result=failure': '1' });
    expect(await client.hlen(COUNTER_INDEX_KEY)).toBe(0);
    // The marker outlives any resend of an unanswered batch.
    expect(await client.ttl(batchMarkerKey('batch-1'))).toBeGreaterThan(BATCH_MARKER_TTL_SECONDS - 5);
  });

  it('keeps a marker a day while its batch may be resent, an hour once its batch was answered', async () => {
    const app = await startService(redis, 60_000);
    const counters = app.get(Counters);
    counters.increment(TestCounters.productViews);
    await counters.flush();
    const [first] = [...(await markers(client)).keys()];
    counters.increment(TestCounters.productViews);
    await counters.flush();
    // The second batch shortened the first one's marker, answered by then.
    const ttls = await markers(client);
    const second = [...ttls.keys()].find((id) => id !== first);
    expect(ttls.size).toBe(2);
    expect(ttls.get(first!)).toBeLessThanOrEqual(ANSWERED_MARKER_TTL_SECONDS);
    expect(ttls.get(second!)).toBeGreaterThan(ANSWERED_MARKER_TTL_SECONDS);
    expect(await client.hget('platform:counters:test_product_views_total', '')).toBe('2');
    await app.close();
  });

  it('refuses a label set the counter does not declare', async () => {
    const app = await startService(redis, 60_000);
    const counters = app.get(Counters);
    expect(() => counters.increment(TestCounters.logins, { outcome: 'x' } as never)).toThrow(TypeError);
    expect(() => counters.increment(TestCounters.logins, { result: 'x' }, -1)).toThrow(RangeError);
    await app.close();
  });
});
