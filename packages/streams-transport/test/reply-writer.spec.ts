import { RedisServer } from '@platform/testing';
import type { Redis } from 'ioredis';
import { ReplyWriter } from '../src/reply-writer.js';

async function commandCalls(redis: Redis, name: string): Promise<number> {
  return calls(await redis.info('commandstats'), name);
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

  it('writes the replies of one tick as one script call', async () => {
    const writer = new ReplyWriter(redis);
    await writer.write([['PEXPIRE', 'inbox', '60000']]); // loads the script on the connection
    const [evalsha, exec] = [await commandCalls(redis, 'evalsha'), await commandCalls(redis, 'exec')];
    await Promise.all(Array.from({ length: 16 }, (_, i) => writer.write([['XADD', 'inbox', '*', 'n', String(i)], ['PEXPIRE', 'inbox', '60000']])));
    expect(await commandCalls(redis, 'evalsha')).toBe(evalsha + 1);
    expect(await commandCalls(redis, 'exec')).toBe(exec);
    expect(await redis.xlen('inbox')).toBe(16);
  });

  it('writes a batch that holds a script of its own as one transaction', async () => {
    const writer = new ReplyWriter(redis);
    const exec = await commandCalls(redis, 'exec');
    await Promise.all([
      writer.write([['RPUSH', 'with-a-script', 'a'], ['PEXPIRE', 'with-a-script', '60000']]),
      writer.write([['EVAL', "return redis.call('RPUSH', KEYS[1], ARGV[1])", '1', 'with-a-script', 'b']]),
    ]);
    expect(await commandCalls(redis, 'exec')).toBe(exec + 1);
    expect(await redis.lrange('with-a-script', 0, -1)).toEqual(['a', 'b']);
  });

  it('does nothing of a batch when Redis is out of memory: no reply is acknowledged without being pushed', async () => {
    const writer = new ReplyWriter(redis);
    await redis.xadd('oom-requests', '1-1', 'n', '1');
    await redis.xgroup('CREATE', 'oom-requests', 'service', '0');
    await redis.xreadgroup('GROUP', 'service', 'c', 'STREAMS', 'oom-requests', '>');
    await redis.config('SET', 'maxmemory', '1');
    try {
      const written = writer.write([['RPUSH', 'oom-replies', 'r'], ['PEXPIRE', 'oom-replies', '60000'], ['XACK', 'oom-requests', 'service', '1-1'], ['XDEL', 'oom-requests', '1-1']]);
      await expect(written).rejects.toThrow(/OOM/);
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }
    expect(await redis.exists('oom-replies')).toBe(0);
    expect(await redis.xlen('oom-requests')).toBe(1);
    expect((await redis.xpending('oom-requests', 'service'))[0]).toBe(1);
  });

  it('splits a merged command that would grow past what one script call takes', async () => {
    const writer = new ReplyWriter(redis);
    const elements = Array.from({ length: 10_000 }, (_, i) => String(i));
    await Promise.all(elements.map((element) => writer.write([['RPUSH', 'long-list', element], ['PEXPIRE', 'long-list', '60000']])));
    expect(await redis.lrange('long-list', 0, -1)).toEqual(elements);
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

  it('merges only commands whose fixed arguments match: acks of two groups on one stream, expiries of two lengths', async () => {
    const writer = new ReplyWriter(redis);
    await redis.xadd('shared', '1-1', 'n', '1');
    for (const group of ['one', 'two']) {
      await redis.xgroup('CREATE', 'shared', group, '0');
      await redis.xreadgroup('GROUP', group, 'c', 'STREAMS', 'shared', '>');
    }
    const before = await redis.info('commandstats');
    await Promise.all([
      writer.write([['XACK', 'shared', 'one', '1-1'], ['PEXPIRE', 'shared', '60000']]),
      writer.write([['XACK', 'shared', 'two', '1-1'], ['PEXPIRE', 'shared', '120000']]),
      writer.write([['XACK', 'shared', 'one', '1-1'], ['PEXPIRE', 'shared', '120000']]),
    ]);
    expect(await redis.xpending('shared', 'one')).toEqual([0, null, null, null]);
    expect(await redis.xpending('shared', 'two')).toEqual([0, null, null, null]);
    // The last expiry written wins: 120 s, not the first one's 60 s.
    expect(await redis.pttl('shared')).toBeGreaterThan(60_000);
    const after = await redis.info('commandstats');
    // Neither the acks of the two groups nor the two expiries were merged into one command.
    expect(calls(after, 'xack') - calls(before, 'xack')).toBeGreaterThanOrEqual(2);
    expect(calls(after, 'pexpire') - calls(before, 'pexpire')).toBeGreaterThanOrEqual(2);
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
