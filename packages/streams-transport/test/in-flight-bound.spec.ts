import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, type DynamicModule, Inject, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { StreamsClient, StreamsServer, type StreamsServerOptions } from '../src/index.js';
import { quietLogger } from './support/harness.js';

const PATTERNS = ['slow.a', 'slow.b', 'slow.c'];
const STREAMS = PATTERNS.map((pattern) => `streams:rpc:${pattern}`);
const GROUP = 'slow';

/** What one replica's handlers did: how many ran at once (now and at most), and which requests. */
class Tracker {
  running = 0;
  maxRunning = 0;
  readonly handled = new Map<string, number>();
  /** Request ids in the order their handling started. */
  readonly order: string[] = [];

  async run(id: string, delayMs: number): Promise<void> {
    this.handled.set(id, (this.handled.get(id) ?? 0) + 1);
    this.order.push(id);
    this.maxRunning = Math.max(this.maxRunning, ++this.running);
    try {
      await sleep(delayMs);
    } finally {
      this.running--;
    }
  }
}

const TRACKER = 'TRACKER';

interface SlowRequest {
  id: string;
  delayMs: number;
}

/** Three patterns, so three streams read by one consumer group; each handler just takes its time. */
@Controller()
class SlowController {
  constructor(@Inject(TRACKER) private readonly tracker: Tracker) {}

  @MessagePattern('slow.a')
  a(@Payload() request: SlowRequest): Promise<string> {
    return this.handle(request);
  }

  @MessagePattern('slow.b')
  b(@Payload() request: SlowRequest): Promise<string> {
    return this.handle(request);
  }

  @MessagePattern('slow.c')
  c(@Payload() request: SlowRequest): Promise<string> {
    return this.handle(request);
  }

  private async handle({ id, delayMs }: SlowRequest): Promise<string> {
    await this.tracker.run(id, delayMs);
    return id;
  }
}

@Module({})
class SlowModule {
  static with(tracker: Tracker): DynamicModule {
    return { module: SlowModule, controllers: [SlowController], providers: [{ provide: TRACKER, useValue: tracker }] };
  }
}

/**
 * Entries pending per consumer of the group over the three streams, read atomically (one
 * MULTI): what each consumer has taken from the group and not yet acknowledged.
 */
async function pendingByConsumer(probe: Redis): Promise<Map<string, number>> {
  const transaction = probe.multi();
  for (const stream of STREAMS) transaction.xpending(stream, GROUP);
  const results = (await transaction.exec()) ?? [];
  const pending = new Map<string, number>();
  for (const [, summary] of results) {
    const consumers = (summary as [number, unknown, unknown, Array<[string, string]> | null])[3] ?? [];
    for (const [name, count] of consumers) pending.set(name, (pending.get(name) ?? 0) + Number(count));
  }
  return pending;
}

/** Samples pendingByConsumer until stopped; keeps the highest count seen per consumer. */
function sampleMaxPending(probe: Redis): { stop: () => Promise<Map<string, number>> } {
  const most = new Map<string, number>();
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      for (const [name, count] of await pendingByConsumer(probe)) most.set(name, Math.max(most.get(name) ?? 0, count));
      await sleep(5);
    }
  })();
  return {
    stop: async () => {
      state.running = false;
      await loop;
      return most;
    },
  };
}

describe('maxInFlight over several streams', () => {
  let redis: RedisServer;
  let probe: Redis;
  let client: StreamsClient;
  let apps: INestMicroservice[] = [];

  const startReplica = async (consumer: string, tracker: Tracker, options: Partial<StreamsServerOptions>) => {
    const app = await NestFactory.createMicroservice(SlowModule.with(tracker), {
      strategy: new StreamsServer({ redis: { url: redis.url }, service: GROUP, consumer, blockMs: 1_000, ...options }),
      logger: quietLogger,
    });
    await app.listen();
    apps.push(app);
    return app;
  };
  /** `count` requests spread over the three patterns, each taking `delayMs` to handle. */
  const sendAll = (prefix: string, count: number, delayMs: number) =>
    Array.from({ length: count }, (_, i) => {
      const id = `${prefix}-${i}`;
      return lastValueFrom(client.send<string>(PATTERNS[i % PATTERNS.length]!, { id, delayMs }));
    });

  beforeEach(async () => {
    redis = await RedisServer.start();
    probe = redis.client();
    client = new StreamsClient({ redis: { url: redis.url }, name: 'caller', requestTimeoutMs: 60_000 });
  });

  afterEach(async () => {
    await client?.close();
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
    probe?.disconnect();
    await redis?.destroy();
  });

  it('never runs more than maxInFlight handlers at once across all streams, taken-over work included', async () => {
    // A consumer that took entries and died: its work is taken over (XAUTOCLAIM) by the replica
    // below, and must come out of the same four slots as what it reads.
    for (const stream of STREAMS) await probe.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    const replies = sendAll('bound', 30, 80);
    await waitFor('the requests to be queued', async () => (await Promise.all(STREAMS.map((stream) => probe.xlen(stream)))).every((n) => n === 10));
    await probe.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 2, 'STREAMS', ...STREAMS, ...STREAMS.map(() => '>'));
    expect((await pendingByConsumer(probe)).get('ghost')).toBe(6);

    const tracker = new Tracker();
    const sampler = sampleMaxPending(probe);
    await startReplica('r1', tracker, { maxInFlight: 4, claimIdleMs: 300 });
    const answered = await Promise.all(replies);
    const mostPending = await sampler.stop();

    expect(answered).toEqual(Array.from({ length: 30 }, (_, i) => `bound-${i}`));
    // Every request handled exactly once, the dead consumer's six by r1 after taking them over.
    expect([...tracker.handled.values()]).toEqual(Array.from({ length: 30 }, () => 1));
    expect((await pendingByConsumer(probe)).get('ghost') ?? 0).toBe(0);
    // Four at most, and four were used: the bound is the limit, not a throttle below it.
    expect(tracker.maxRunning).toBe(4);
    // r1 never took from the group more than it could start.
    expect(mostPending.get('r1')).toBeLessThanOrEqual(4);
  });

  it('leaves what a saturated replica cannot start in the stream, where another replica takes it', async () => {
    const busy = new Tracker();
    await startReplica('busy', busy, { maxInFlight: 2 });
    const sampler = sampleMaxPending(probe);
    const replies = sendAll('wait', 12, 3_000);
    await waitFor('busy to be saturated', () => busy.running === 2);
    // Two taken (one per free slot); the other ten are still in the streams, delivered to nobody
    // (nothing was acknowledged or deleted yet: the handlers take 3 s).
    await sleep(200);
    expect(await pendingByConsumer(probe)).toEqual(new Map([['busy', 2]]));
    const queued = await Promise.all(STREAMS.map((stream) => probe.xlen(stream)));
    expect(queued.reduce((sum, n) => sum + n, 0)).toBe(12);

    const idle = new Tracker();
    const idleStarted = Date.now();
    await startReplica('idle', idle, { maxInFlight: 16 });
    // The waiting ten start at once on the idle replica, long before busy's handlers end.
    await waitFor('the idle replica to take the waiting requests', () => idle.running === 10, { timeoutMs: 2_000 });
    expect(Date.now() - idleStarted).toBeLessThan(2_000);

    expect(await Promise.all(replies)).toHaveLength(12);
    const mostPending = await sampler.stop();
    expect(busy.handled.size).toBe(2);
    expect(idle.handled.size).toBe(10);
    expect(new Set([...busy.handled.keys(), ...idle.handled.keys()]).size).toBe(12);
    expect(busy.maxRunning).toBe(2);
    expect(mostPending.get('busy')).toBe(2);
  });

  it('with fewer slots than streams, serves every stream in turn: a busy one does not starve the others', async () => {
    const tracker = new Tracker();
    await startReplica('r1', tracker, { maxInFlight: 1 });
    const backlog = Array.from({ length: 30 }, (_, i) => lastValueFrom(client.send<string>('slow.a', { id: `a-${i}`, delayMs: 20 })));
    await waitFor('the backlog to be worked on', () => tracker.order.length >= 3);
    const others = [
      lastValueFrom(client.send<string>('slow.b', { id: 'b-0', delayMs: 20 })),
      lastValueFrom(client.send<string>('slow.c', { id: 'c-0', delayMs: 20 })),
    ];
    const handledBefore = tracker.order.length;
    await Promise.all(others);
    // Each read starts at the next stream, so b and c were served within a few reads of
    // arriving, while 20-odd entries of a were still waiting.
    const servedAt = ['b-0', 'c-0'].map((id) => tracker.order.indexOf(id));
    expect(Math.max(...servedAt)).toBeLessThan(handledBefore + 6);
    expect(tracker.order.filter((id) => id.startsWith('a-')).length).toBeLessThan(20);
    await Promise.all(backlog);
    expect(tracker.maxRunning).toBe(1);
    expect(tracker.order).toHaveLength(32);
  });
});
