import { inParallel, type ManagedProcess, RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { StreamsClient } from '../src/index.js';
import { eventsKey } from './fixtures/work.controller.js';
import { startReplica } from './support/harness.js';

describe('events on the Streams transport', () => {
  let redis: RedisServer;
  let probe: Redis;
  let client: StreamsClient;
  const replicas = new Map<string, ManagedProcess>();

  const start = async (service: string, replica: string) => {
    replicas.set(replica, await startReplica({ REDIS_URL: redis.url, SERVICE: service, REPLICA: replica }));
  };
  const publish = (eventIds: string[]) =>
    inParallel(eventIds, 20, (id) => lastValueFrom(client.emit('work.happened', { id }), { defaultValue: undefined }));
  /** Every event id handled exactly once by `group` (the counts as the group's replicas recorded them). */
  const handledOnceBy = async (group: string, eventIds: string[]) => {
    const counts = await probe.hmget(eventsKey(group), ...eventIds);
    return counts.every((count) => count === '1');
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = redis.client();
    client = new StreamsClient({ redis: { url: redis.url }, name: 'publisher' });
  });

  afterAll(async () => {
    await client?.close();
    await Promise.all([...replicas.values()].map((replica) => replica.stop()));
    probe?.disconnect();
    await redis?.destroy();
  });

  it('delivers each event once to each subscribing service, however many replicas it runs', async () => {
    await Promise.all([start('billing', 'billing-1'), start('billing', 'billing-2'), start('audit', 'audit-1'), start('audit', 'audit-2')]);
    const eventIds = Array.from({ length: 200 }, (_, i) => `first-${i}`);
    await publish(eventIds);

    for (const group of ['billing', 'audit']) {
      await waitFor(`${group} to handle every event`, () => handledOnceBy(group, eventIds));
    }
    // Exactly once per group: no id was counted twice, and no other id appeared.
    for (const group of ['billing', 'audit']) {
      const counts = await probe.hgetall(eventsKey(group));
      expect(Object.keys(counts).sort()).toEqual([...eventIds].sort());
      expect(new Set(Object.values(counts))).toEqual(new Set(['1']));
    }
    await waitFor('every event to be acknowledged', async () => {
      const [billing, audit] = await Promise.all(['billing', 'audit'].map((group) => probe.xpending('streams:event:work.happened', group)));
      return billing?.[0] === 0 && audit?.[0] === 0;
    });
  });

  it('keeps events published while a service was down and delivers them when it is back', async () => {
    await Promise.all(['audit-1', 'audit-2'].map((replica) => replicas.get(replica)!.stop('SIGTERM')));
    const whileDown = Array.from({ length: 50 }, (_, i) => `while-down-${i}`);
    await publish(whileDown);
    // The other service is unaffected.
    await waitFor('billing to handle the new events', () => handledOnceBy('billing', whileDown));
    expect(await probe.hmget(eventsKey('audit'), ...whileDown)).toEqual(whileDown.map(() => null));

    await Promise.all([start('audit', 'audit-1'), start('audit', 'audit-2')]);
    await waitFor('audit to catch up on what it missed', () => handledOnceBy('audit', whileDown));
    expect(Object.keys(await probe.hgetall(eventsKey('audit')))).toHaveLength(250);
  });
});
