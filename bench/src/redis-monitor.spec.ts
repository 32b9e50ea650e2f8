import { RedisServer } from '@platform/testing';
import { parseMonitorLine, watchCommands } from './redis-monitor.js';

describe('a MONITOR line', () => {
  it('tells the database, who sent the command and its name', () => {
    expect(parseMonitorLine('+1796501998.257594 [9 lua] "EXISTS" "catalog:product:1f3b"')).toEqual({ db: 9, source: 'lua', command: 'exists' });
    expect(parseMonitorLine('+1796501998.257594 [0 127.0.0.1:51234] "EVALSHA" "ab12" "1" "k"')).toEqual({ db: 0, source: '127.0.0.1:51234', command: 'evalsha' });
    expect(parseMonitorLine('+OK')).toBeUndefined();
  });
});

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
