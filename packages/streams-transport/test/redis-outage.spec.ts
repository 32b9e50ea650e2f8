import { setTimeout as sleep } from 'node:timers/promises';
import { isRedisReady } from '@platform/redis';
import { type ManagedProcess, RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { StreamsClient, isStreamsTransportError } from '../src/index.js';
import { eventsKey } from './fixtures/work.controller.js';
import { type Outcome, outcome, startReplica } from './support/harness.js';

interface Call {
  startedAt: number;
  endedAt: number;
  result: Outcome<unknown>;
}

describe('Redis killed and restarted under load (append-only file on)', () => {
  let redis: RedisServer;
  let replicas: ManagedProcess[] = [];
  let client: StreamsClient;

  beforeAll(async () => {
    redis = await RedisServer.start({ appendOnly: true });
  });

  afterAll(async () => {
    await client?.close();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await redis?.destroy();
  });

  it('handles every acknowledged event after recovery, and fails calls fast during the outage', async () => {
    replicas = await Promise.all(
      ['o1', 'o2'].map((replica) => startReplica({ REDIS_URL: redis.url, SERVICE: 'work', REPLICA: replica, CLAIM_IDLE_MS: '1000' })),
    );
    client = new StreamsClient({ redis: { url: redis.url }, name: 'caller', requestTimeoutMs: 5_000 });
    await client.connect();

    const acknowledged: string[] = [];
    const calls: Call[] = [];
    const requests: Array<Promise<unknown>> = [];
    const load = new AbortController();
    const timed = async (run: () => Promise<Outcome<unknown>>) => {
      const startedAt = Date.now();
      const result = await run();
      calls.push({ startedAt, endedAt: Date.now(), result });
      return result;
    };
    const publisher = (async () => {
      for (let i = 0; !load.signal.aborted; i++) {
        const id = `event-${i}`;
        const result = await timed(() => outcome(client.emit('work.happened', { id })));
        if (result.ok) acknowledged.push(id);
        await sleep(2);
      }
    })();
    const caller = (async () => {
      for (let i = 0; !load.signal.aborted; i++) {
        requests.push(timed(() => outcome(client.send('work.do', { id: `call-${i}` }))));
        await sleep(20);
      }
    })();

    await waitFor('load before the crash', () => acknowledged.length >= 100);
    await redis.kill();
    // The outage starts, for the client, when its connection sees the close. A call made in
    // between is written to the dead socket and fails as UNKNOWN_OUTCOME: nothing tells the
    // client that Redis never read it (the last check below covers those calls).
    const [command] = client.unwrap<[Redis, Redis]>();
    await waitFor('the client to see Redis go', () => !isRedisReady(command), { intervalMs: 1 });
    const downSince = Date.now();
    await sleep(1_000);
    const downUntil = Date.now();
    await redis.start();
    const before = acknowledged.length;
    await waitFor('publishing to work again', () => acknowledged.length >= before + 100, { timeoutMs: 15_000 });
    load.abort();
    await Promise.all([publisher, caller]);
    // Every call settles: none hangs past its deadline.
    await Promise.all(requests);

    // Every event Redis acknowledged before, during or after the crash is handled.
    const probe = redis.client();
    try {
      await waitFor(
        `${acknowledged.length} acknowledged events to be handled`,
        async () => (await probe.hmget(eventsKey('work'), ...acknowledged)).every((count) => Number(count) >= 1),
        { timeoutMs: 20_000, intervalMs: 200 },
      );
    } finally {
      probe.disconnect();
    }

    // Calls made while Redis was down failed at once, saying Redis is unavailable.
    const duringOutage = calls.filter((call) => call.startedAt >= downSince && call.startedAt < downUntil);
    expect(duringOutage.length).toBeGreaterThan(20);
    // Listed rather than checked one by one, so a failure says which call and why.
    const notFailedFast = duringOutage.filter(
      (call) => call.result.ok || !isStreamsTransportError(call.result.error, 'UNAVAILABLE') || call.endedAt - call.startedAt >= 2_000,
    );
    expect(notFailedFast.map((call) => ({ ms: call.endedAt - call.startedAt, outcome: call.result.ok ? 'ok' : String(call.result.error) }))).toEqual([]);
    // Whatever was in flight at the crash either completed or failed with a transport error.
    const failed = calls.filter((call) => !call.result.ok);
    expect(failed.filter((call) => !isStreamsTransportError(!call.result.ok && call.result.error))).toEqual([]);
    // The replicas rode it out: nobody restarted them.
    expect(replicas.map((replica) => replica.hasExited)).toEqual([false, false]);
  });
});
