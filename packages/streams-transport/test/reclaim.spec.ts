import { inParallel, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { StreamsClient, isStreamsTransportError } from '../src/index.js';
import { byReplicaKey, handledKey } from './fixtures/work.controller.js';
import { outcome } from './support/harness.js';
import { RedisWithReplicas } from './support/redis-with-replicas.js';

const REQUESTS = 600;

/** Pending entries per consumer of the `work` group on the work.do request stream. */
async function pendingByConsumer(probe: Redis): Promise<Record<string, number>> {
  const [, , , consumers] = (await probe.xpending('streams:rpc:work.do', 'work')) as [number, unknown, unknown, Array<[string, string]> | null];
  return Object.fromEntries((consumers ?? []).map(([name, count]) => [name, Number(count)]));
}

describe('a replica killed under load', () => {
  const setup = new RedisWithReplicas();
  beforeAll(() => setup.start());
  afterAll(() => setup.stop());

  it('has its pending requests taken over and answered by the others; nothing is lost', async () => {
    const { redis, probe } = setup;
    const replicas = await setup.startReplicas(['k1', 'k2', 'k3'], { SERVICE: 'work', DELAY_MS: '40', CLAIM_IDLE_MS: '500', MAX_IN_FLIGHT: '8' });
    const victim = replicas[1]!;
    const client = new StreamsClient({ redis: { url: redis.url }, name: 'caller', requestTimeoutMs: 10_000 });
    const requestIds = Array.from({ length: REQUESTS }, (_, i) => `kill-${i}`);
    try {
      const calls = inParallel(requestIds, 60, (id) => outcome(client.send<{ id: string; replica: string }>('work.do', { id })));
      await waitFor('k2 to be busy', async () => Number(await probe.hget(byReplicaKey, 'k2')) >= 30, { intervalMs: 5 });
      await victim.stop('SIGKILL');
      const orphaned = (await pendingByConsumer(probe)).k2 ?? 0;
      expect(orphaned).toBeGreaterThan(0);

      const results = await calls;
      // Every caller got its answer: the orphaned requests were reclaimed well within the deadline.
      const failures = results.filter((result) => !result.ok);
      expect(failures).toEqual([]);
      expect(results.map((result) => result.ok && result.value.id)).toEqual(requestIds);
      // The dead consumer holds nothing any more.
      expect((await pendingByConsumer(probe)).k2 ?? 0).toBe(0);
      // Each request was handled; k2's unfinished ones by a survivor that took them over.
      const counts = (await probe.hmget(handledKey, ...requestIds)).map(Number);
      expect(counts.every((count) => count >= 1)).toBe(true);
      const survivorLogs = [replicas[0]!, replicas[2]!].map((replica) => replica.output.text()).join('\n');
      expect(survivorLogs).toMatch(/streams:rpc:work\.do: took over \d+ entries idle for more than 500 ms/);
    } finally {
      await client.close();
    }
  });

  it('fails a call with a clear timeout error when no replica can answer in time', async () => {
    await Promise.all(setup.replicas.map((replica) => replica.stop('SIGKILL')));
    const client = new StreamsClient({ redis: { url: setup.redis.url }, name: 'caller', requestTimeoutMs: 300 });
    try {
      const result = await outcome(client.send('work.do', { id: 'nobody-home' }));
      expect(result.ok).toBe(false);
      expect(isStreamsTransportError(!result.ok && result.error, 'TIMEOUT')).toBe(true);
      expect(!result.ok && (result.error as Error).message).toMatch(/^no reply to work\.do within 300 ms/);
    } finally {
      await client.close();
    }
  });
});
