import { RedisServer } from '@platform/testing';
import type { Redis } from 'ioredis';
import { ReplyWriter } from '../src/reply-writer.js';

async function execCalls(redis: Redis): Promise<number> {
  return calls(await redis.info('commandstats'), 'exec');
}

/** Calls of one command in INFO commandstats. */
function calls(stats: string, name: string): number {
  return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

describe('ReplyWriter', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = server.client();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.destroy();
  });

  it('writes the replies of one tick as one transaction', async () => {
    const writer = new ReplyWriter(redis);
    const before = await execCalls(redis);
    await Promise.all(Array.from({ length: 16 }, (_, i) => writer.write([['XADD', 'inbox', '*', 'n', String(i)], ['PEXPIRE', 'inbox', '60000']])));
    expect(await execCalls(redis)).toBe(before + 1);
    expect(await redis.xlen('inbox')).toBe(16);
  });

  it('merges the pushes, acks and deletes of one batch per key, in order, before their expiry', async () => {
    const writer = new ReplyWriter(redis);
    await redis.xadd('requests', '1-1', 'n', '1');
    await redis.xadd('requests', '1-2', 'n', '2');
    await redis.xgroup('CREATE', 'requests', 'service', '0');
    await redis.xreadgroup('GROUP', 'service', 'c', 'STREAMS', 'requests', '>');
    const before = await redis.info('commandstats');
    const reply = (list: string, element: string, entry: string) =>
      writer.write([['RPUSH', list, element], ['PEXPIRE', list, '60000'], ['XACK', 'requests', 'service', entry], ['XDEL', 'requests', entry]]);
    await Promise.all([reply('replies-a', 'a1', '1-1'), reply('replies-b', 'b1', '1-2'), reply('replies-a', 'a2', '1-1')]);
    expect(await redis.lrange('replies-a', 0, -1)).toEqual(['a1', 'a2']);
    expect(await redis.lrange('replies-b', 0, -1)).toEqual(['b1']);
    expect(await redis.pttl('replies-a')).toBeGreaterThan(0);
    expect(await redis.xlen('requests')).toBe(0);
    expect(await redis.xpending('requests', 'service')).toEqual([0, null, null, null]);
    const after = await redis.info('commandstats');
    // Two lists: two pushes and two expiries; one stream: one XACK and one XDEL.
    expect(['rpush', 'pexpire', 'xack', 'xdel'].map((name) => calls(after, name) - calls(before, name))).toEqual([2, 2, 1, 1]);
  });

  it('fails only the reply whose command fails, the others of its batch are written', async () => {
    const writer = new ReplyWriter(redis);
    await redis.set('not-a-stream', 'x');
    const results = await Promise.allSettled([
      writer.write([['XADD', 'good', '*', 'n', '1']]),
      writer.write([['XADD', 'not-a-stream', '*', 'n', '2']]),
      writer.write([['XADD', 'good', '*', 'n', '3']]),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toMatch(/WRONGTYPE/);
    expect(await redis.xlen('good')).toBe(2);
  });

  it('fails every reply of a merged command that fails, and only those', async () => {
    const writer = new ReplyWriter(redis);
    await redis.set('not-a-list', 'x');
    const results = await Promise.allSettled([
      writer.write([['RPUSH', 'not-a-list', '1'], ['PEXPIRE', 'not-a-list', '60000']]),
      writer.write([['RPUSH', 'a-list', '2'], ['PEXPIRE', 'a-list', '60000']]),
      writer.write([['RPUSH', 'not-a-list', '3'], ['PEXPIRE', 'not-a-list', '60000']]),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect(await redis.lrange('a-list', 0, -1)).toEqual(['2']);
  });
});
