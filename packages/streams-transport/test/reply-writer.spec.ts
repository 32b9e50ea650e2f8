import { RedisServer } from '@platform/testing';
import type { Redis } from 'ioredis';
import { ReplyWriter } from '../src/reply-writer.js';

async function execCalls(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_exec:calls=(\d+)/.exec(stats)?.[1] ?? 0);
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
});
