import { Logger } from '@nestjs/common';
import { ClientRedis } from '@nestjs/microservices';
import { inParallel, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { StreamsClient } from '../src/index.js';
import { byReplicaKey, handledKey } from './fixtures/work.controller.js';
import { quietLogger } from './support/harness.js';
import { RedisWithReplicas } from './support/redis-with-replicas.js';

// ClientRedis logs every duplicate reply it drops at debug level.
Logger.overrideLogger(quietLogger);

const REQUESTS = 1_000;
const CONCURRENCY = 50;
const ids = (prefix: string) => Array.from({ length: REQUESTS }, (_, i) => `${prefix}-${i}`);

/** How many times each request was handled, as the replicas counted it in Redis. */
async function handledCounts(probe: Redis, requestIds: string[]): Promise<number[]> {
  return (await probe.hmget(handledKey, ...requestIds)).map(Number);
}

describe('three replicas of one service', () => {
  const setup = new RedisWithReplicas();
  beforeAll(() => setup.start());
  afterEach(() => setup.stopReplicas());
  afterAll(() => setup.stop());

  it('on the Streams transport: each of 1000 requests is handled exactly once and answered', async () => {
    const { redis, probe } = setup;
    await setup.startReplicas(['s1', 's2', 's3'], { SERVICE: 'work' });
    const client = new StreamsClient({ redis: { url: redis.url }, name: 'caller', requestTimeoutMs: 20_000 });
    const requestIds = ids('streams');
    try {
      const replies = await inParallel(requestIds, CONCURRENCY, (id) =>
        lastValueFrom(client.send<{ id: string; replica: string }>('work.do', { id })),
      );
      expect(replies.map((reply) => reply.id)).toEqual(requestIds);
    } finally {
      await client.close();
    }
    expect(await handledCounts(probe, requestIds)).toEqual(requestIds.map(() => 1));
    // The group spread the work: every replica took a share.
    const shares = await probe.hgetall(byReplicaKey);
    expect(Object.keys(shares).sort()).toEqual(['s1', 's2', 's3']);
    expect(Object.values(shares).reduce((sum, count) => sum + Number(count), 0)).toBe(REQUESTS);
  });

  it('on Nest’s own Redis transport (pub/sub): each request is handled by all three replicas', async () => {
    // Why this package exists: with pub/sub every subscriber receives every request.
    const { redis, probe } = setup;
    await setup.startReplicas(['p1', 'p2', 'p3'], { SERVICE: 'work', TRANSPORT: 'redis' });
    await waitFor('three subscribers', async () => (await probe.pubsub('NUMSUB', 'work.do'))[1] === 3);
    const client = new ClientRedis({ host: '127.0.0.1', port: redis.port });
    const requestIds = ids('pubsub');
    try {
      const replies = await inParallel(requestIds, CONCURRENCY, (id) =>
        lastValueFrom(client.send<{ id: string; replica: string }>('work.do', { id })),
      );
      expect(replies.map((reply) => reply.id)).toEqual(requestIds);
    } finally {
      await client.close();
    }
    // The first reply wins, but all three replicas ran the handler (and its side effects).
    await waitFor('every handling to be counted', async () =>
      (await handledCounts(probe, requestIds)).every((count) => count === 3),
    );
    expect(await handledCounts(probe, requestIds)).toEqual(requestIds.map(() => 3));
  });
});
