import { RedisServer } from '@platform/testing';
import { closeRedis, createRedis, isRedisReady } from '../src/index.js';

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
    if (!isRedisReady(client)) await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    expect(await client.ping()).toBe('PONG');
    await closeRedis(client);
  });
});
