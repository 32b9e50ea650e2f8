import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggerService } from '@nestjs/common';
import { waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { StreamsClient } from '../src/index.js';
import { DeadLetters } from '../src/dead-letters.js';
import { parseEntries } from '../src/redis-replies.js';
import { outcome } from './support/harness.js';
import { RedisWithReplicas } from './support/redis-with-replicas.js';

const PASSWORD = 'correct horse battery staple 7f3a';
const LOGIN_STREAM = 'streams:rpc:work.login';
const DEAD = 'streams:dead:work';

const silent: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A stream entry's field/value list as a record. */
function recordOf(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return record;
}

/** Everything stored under every key of the database, as text: what a dump or a replica would hold. */
async function everythingStored(probe: Redis): Promise<string> {
  const parts: string[] = [];
  for (const key of await probe.keys('*')) {
    const type = await probe.type(key);
    const read: Record<string, () => Promise<unknown>> = {
      string: () => probe.get(key),
      hash: () => probe.hgetall(key),
      list: () => probe.lrange(key, 0, -1),
      set: () => probe.smembers(key),
      zset: () => probe.zrange(key, '0', '-1'),
      stream: () => probe.xrange(key, '-', '+'),
    };
    parts.push(key, JSON.stringify(await read[type]?.()));
  }
  return parts.join('\n');
}

describe('secrets in what the transport sets aside', () => {
  const setup = new RedisWithReplicas();
  beforeAll(() => setup.start());
  afterAll(() => setup.stop());

  it('dead-letters a login that keeps crashing its replica without its password, and deletes the request', async () => {
    const { redis, probe } = setup;
    const client = new StreamsClient({ redis: { url: redis.url }, name: 'gateway', requestTimeoutMs: 120_000 });
    try {
      void outcome(client.send('work.login', { email: 'ada@example.com', password: PASSWORD }));
      // Not JSON, so it cannot be redacted field by field: it must not be kept at all.
      const garbage = `{"email":"bob@example.com","password":"${PASSWORD}"`;
      await waitFor('the login to be queued', async () => (await probe.xlen(LOGIN_STREAM)) === 1);

      // Every delivery takes its replica down; with MAX_DELIVERIES 2 the third sets it aside.
      const settings = { CLAIM_IDLE_MS: '200', MAX_DELIVERIES: '2' };
      for (const name of ['crash-1', 'crash-2']) {
        const replica = setup.spawnReplica(name, settings);
        expect(await replica.exited).toEqual({ code: null, signal: 'SIGKILL' });
      }
      await setup.startReplicas(['survivor'], settings);
      await probe.xadd(LOGIN_STREAM, '*', 'v', '1', 'id', 'g', 'replyTo', 'streams:inbox:x', 'deadline', String(Date.now() + 60_000), 'headers', '{}', 'data', garbage);

      await waitFor('both to be set aside', async () => (await probe.xlen(DEAD)) === 2);
      const letters = (await probe.xrange(DEAD, '-', '+')).map(([, fields]) => recordOf(fields));
      const login = letters.find((letter) => letter.reason === 'max-deliveries');
      const bad = letters.find((letter) => letter.reason === 'bad-json');
      expect(login).toMatchObject({ stream: LOGIN_STREAM, reason: 'max-deliveries', detail: 'delivered 3 times without success' });
      const kept = recordOf(JSON.parse(login!.fields!) as string[]);
      expect(JSON.parse(kept.data!)).toEqual({ email: 'ada@example.com', password: '[redacted]' });
      expect(kept).toMatchObject({ v: '1', replyTo: expect.stringMatching(/^streams:replies:gateway:/) });
      expect(bad).toMatchObject({ stream: LOGIN_STREAM, reason: 'bad-json' });
      expect(recordOf(JSON.parse(bad!.fields!) as string[]).data).toBe(`[not kept: ${Buffer.byteLength(garbage)} bytes]`);

      // Gone from the request stream (deleted, not only acknowledged), and from everything Redis holds.
      expect(await probe.xlen(LOGIN_STREAM)).toBe(0);
      expect(await probe.xpending(LOGIN_STREAM, 'work')).toEqual([0, null, null, null]);
      const stored = await everythingStored(probe);
      expect(stored).toContain(DEAD);
      expect(stored).not.toContain(PASSWORD);
      // Nor in what the replicas logged (the bad JSON's detail quotes no part of it).
      for (const replica of setup.replicas) expect(replica.output.text()).not.toContain(PASSWORD);
      // Bounded in time: the dead-letter stream expires with its retention (7 days by default).
      expect(await probe.pttl(DEAD)).toBeGreaterThan(7 * 24 * 3_600_000 - 60_000);
    } finally {
      await client.close();
    }
  });

  it('keeps dead letters no longer than the retention, written to or not', async () => {
    const writer = setup.redis.client();
    const source = 'streams:rpc:retention';
    const retentionMs = 1_500;
    const deadLetters = new DeadLetters(writer, 'g', 'streams:dead:g', { maxLength: 100, retentionMs }, silent);
    await writer.xgroup('CREATE', source, 'g', '0', 'MKSTREAM');
    const setAside = async (n: number) => {
      await writer.xadd(source, '*', 'n', String(n));
      const read = (await writer.xreadgroup('GROUP', 'g', 'c', 'COUNT', 1, 'STREAMS', source, '>')) as Array<[string, unknown]>;
      const [entry] = parseEntries(read[0]?.[1]);
      await deadLetters.moveAside(source, entry!, 'wrong-shape', `entry ${n}`, { sensitive: [], deleteOriginal: true });
    };
    const details = async () => (await writer.xrange('streams:dead:g', '-', '+')).map(([, fields]) => recordOf(fields).detail);
    try {
      await setAside(1);
      await sleep(retentionMs * 0.6);
      await setAside(2);
      await sleep(retentionMs * 0.6);
      // The first is past the retention; nothing was written since, so it is the periodic trim's.
      expect(await details()).toEqual(['entry 1', 'entry 2']);
      await deadLetters.trimExpired();
      expect(await details()).toEqual(['entry 2']);
      // A write trims too.
      await sleep(retentionMs * 0.6);
      await setAside(3);
      expect(await details()).toEqual(['entry 3']);
      // And a stream nobody writes to any more goes once everything in it is past the retention.
      await waitFor('the dead-letter stream to expire', async () => (await writer.exists('streams:dead:g')) === 0, { timeoutMs: retentionMs * 2 });
      // Set aside and deleted from their own stream.
      expect(await writer.xlen(source)).toBe(0);
    } finally {
      writer.disconnect();
    }
  });
});
