import { RedisServer } from './index.js';

describe('RedisServer', () => {
  let server: RedisServer;

  afterEach(async () => {
    await server?.destroy();
  });

  it('starts a real redis-server on its own port, not the machine one', async () => {
    server = await RedisServer.start();
    expect(server.port).not.toBe(6379);
    const client = server.client();
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    client.disconnect();
  });

  it('keeps acknowledged writes across a crash when the append-only file is on', async () => {
    server = await RedisServer.start({ appendOnly: true });
    const client = server.client();
    await client.set('durable', '1');
    // appendfsync everysec: wait for the fsync before pulling the plug.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    client.disconnect();
    await server.kill();
    expect(server.isRunning).toBe(false);
    await server.start();
    const after = server.client();
    expect(await after.get('durable')).toBe('1');
    after.disconnect();
  });

  it('requires the password when one is set', async () => {
    server = await RedisServer.start({ password: 'p@ss word' });
    const client = server.client();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    const { Redis } = await import('ioredis');
    const anonymous = new Redis(server.port, '127.0.0.1', { enableReadyCheck: false, retryStrategy: () => null });
    anonymous.on('error', () => undefined);
    try {
      await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    } finally {
      anonymous.disconnect();
    }
  });
});
