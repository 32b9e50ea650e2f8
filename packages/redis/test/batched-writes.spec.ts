import { RedisServer } from '@platform/testing';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from '../src/index.js';
import { whenReady } from './when-ready.js';

/** Node's Writable hands a socket's data to the system through these: one call, one write. */
const WRITE_METHODS = ['_write', '_writev'] as const;

/** Counts the writes the connection's socket hands to the system from now on. */
function countSocketWrites(redis: Redis): { writes: number } {
  const socket = (redis as unknown as { stream: Record<(typeof WRITE_METHODS)[number], ((...args: unknown[]) => unknown) | undefined> }).stream;
  const counted = { writes: 0 };
  for (const method of WRITE_METHODS) {
    const write = socket[method];
    if (!write) continue;
    socket[method] = function (this: unknown, ...args: unknown[]) {
      counted.writes++;
      return write.apply(this, args);
    };
  }
  return counted;
}

describe('a connection with batchWrites against a real server', () => {
  let server: RedisServer;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => closeRedis(client)));
  });
  afterAll(async () => {
    await server.destroy();
  });

  async function connected(batchWrites: boolean): Promise<Redis> {
    const client = createRedis({ url: server.url }, 'command', 'batched', { batchWrites });
    clients.push(client);
    await whenReady(client);
    return client;
  }

  it('sends the commands of one turn of the event loop in one socket write, and answers each', async () => {
    const batched = await connected(true);
    const plain = await connected(false);
    const batchedWrites = countSocketWrites(batched);
    const plainWrites = countSocketWrites(plain);

    const keys = Array.from({ length: 10 }, (_, i) => `batched:${i}`);
    const replies = await Promise.all(keys.map((key, i) => batched.set(key, String(i)).then(() => batched.get(key))));
    // The SETs went out together; each GET was issued by its SET's reply, and the ten replies
    // arrive in one read, so the GETs leave together too.
    expect(replies).toEqual(keys.map((_, i) => String(i)));
    expect(batchedWrites.writes).toBeLessThanOrEqual(2);

    // The control: without the option each command is a write of its own (Node merges writes
    // only while one is still in progress, which a loaded machine can cause now and then).
    await Promise.all(keys.map((key) => plain.get(key)));
    expect(plainWrites.writes).toBeGreaterThan(2);
  });

  it('sends a lone command without waiting for anything but the turn it is in', async () => {
    const batched = await connected(true);
    const started = performance.now();
    for (let i = 0; i < 20; i++) await batched.ping();
    // Twenty round trips, each held at most until the check phase of its own turn.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('keeps batching on the new socket after a reconnect', async () => {
    const batched = await connected(true);
    const id = await batched.client('ID');
    const killer = await connected(false);
    // Listening before the kill: the old socket's close can come turns later on a loaded machine.
    const reconnected = new Promise<void>((resolve) => batched.once('close', () => batched.once('ready', () => resolve())));
    await killer.client('KILL', 'ID', String(id));
    await reconnected;
    const writes = countSocketWrites(batched);
    expect(await Promise.all(Array.from({ length: 5 }, () => batched.ping()))).toEqual(Array(5).fill('PONG'));
    expect(writes.writes).toBe(1);
  });
});
