import { RedisServer, waitFor } from '@platform/testing';
import { closeRedis, createRedis, isRedisReady, logConnectionTrouble } from '../src/index.js';
import { whenReady } from './when-ready.js';

describe('createRedis against a real server', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start({ password: 's3cret' });
  });
  afterAll(async () => {
    await server.destroy();
  });

  it('authenticates from the URL and names the connection', async () => {
    const client = createRedis({ url: server.url }, 'command', 'spec');
    expect(await client.ping()).toBe('PONG');
    expect(await client.client('GETNAME')).toBe('spec:command');
    await closeRedis(client);
  });

  it('fails a command fast while Redis is down, and recovers by itself when it is back', async () => {
    const client = createRedis({ url: server.url }, 'command', 'outage');
    await client.ping();
    await server.kill();
    const started = Date.now();
    await expect(client.get('k')).rejects.toThrow(/max retries|closed|ECONNREFUSED|writeable/i);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(isRedisReady(client)).toBe(false);

    await server.start();
    // The client may have reconnected while start() waited for the server: then 'ready' is past.
    await whenReady(client);
    expect(await client.ping()).toBe('PONG');
    await closeRedis(client);
  });

  it('logs an outage once however often the reconnects fail, its end, and the next outage again', async () => {
    const lines: string[] = [];
    const logger = { warn: (line: string) => lines.push(`warn ${line}`), log: (line: string) => lines.push(`log ${line}`) };
    const client = logConnectionTrouble(createRedis({ url: server.url }, 'command', 'logged'), logger, 'cache Redis');
    await client.ping();
    const errors: Error[] = [];
    client.on('error', (error: Error) => errors.push(error));
    for (const outage of [1, 2]) {
      await server.kill();
      // Several failed reconnects, each emitting the same error.
      await waitFor('failed reconnects', () => errors.filter((error) => error.message.includes('ECONNREFUSED')).length >= 3 * outage, { intervalMs: 20 });
      await server.start();
      await whenReady(client);
    }
    // Once per outage, though each outage repeated it at least three times (a kill with a
    // command in flight could add a `read ECONNRESET` first: also new, also logged).
    expect(lines.filter((line) => line.startsWith('warn cache Redis: connect ECONNREFUSED'))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith('log'))).toEqual(['log cache Redis: connection restored', 'log cache Redis: connection restored']);
    await closeRedis(client);
  });
});
