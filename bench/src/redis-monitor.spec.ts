import { RedisServer } from '@platform/testing';
import { watchCommands } from './redis-monitor.js';

describe('the commands a database received', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis?.destroy();
  });

  it('counts a transaction as its MULTI and EXEC, and a script as its EVAL, apart from what they ran', async () => {
    const client = redis.client();
    await client.select(3);
    try {
      const seen = await watchCommands(redis.url, 3, async () => {
        await client.multi().set('a', '1').rpush('l', 'x').exec();
        await client.set('b', '2');
        await client.eval("return redis.call('GET', KEYS[1])", 1, 'a');
      });
      // `sent` also holds the watcher's own connection handshake (INFO, SELECT).
      expect(seen.sent).toMatchObject({ multi: 1, exec: 1, set: 1, eval: 1 });
      expect(seen.sent.rpush).toBeUndefined();
      expect(seen.inTransactions).toEqual({ set: 1, rpush: 1 });
      expect(seen.inScripts).toEqual({ get: 1 });
    } finally {
      client.disconnect();
    }
  });
});
