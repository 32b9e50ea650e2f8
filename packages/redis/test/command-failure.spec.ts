import { setTimeout as sleep } from 'node:timers/promises';
import { BLOCK_PAST_COMMAND_TIMEOUT_MS, RedisServer } from '@platform/testing';
import { Redis } from 'ioredis';
import { closeRedis, createRedis } from '../src/create-redis.js';
import { commandFailure } from '../src/command-failure.js';

/** The error `command` fails with, from a real ioredis connection. */
async function failureOf(command: () => Promise<unknown>): Promise<unknown> {
  try {
    await command();
  } catch (error) {
    return error;
  }
  throw new Error('the command did not fail');
}

describe('what a failed command tells about its fate (real ioredis, real Redis)', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis?.destroy();
  });

  it('knows a command that timed out may have run, and an error reply is no connection failure', async () => {
    const connection = createRedis({ url: redis.url }, 'command', 'spec');
    try {
      await connection.ping();
      const stall = redis.block(BLOCK_PAST_COMMAND_TIMEOUT_MS);
      // The blocking script is sent over a connection of its own, opened first.
      await sleep(200);
      const timedOut = await failureOf(() => connection.set('written-maybe', '1'));
      await stall;
      expect(commandFailure(timedOut)).toBe('unknown');
      // The timed-out SET did run once Redis was free again: "unknown" is the honest word.
      expect(await connection.get('written-maybe')).toBe('1');
      await connection.set('text', 'x');
      expect(commandFailure(await failureOf(() => connection.lpush('text', 'y')))).toBeUndefined();
    } finally {
      await closeRedis(connection);
    }
  }, 15_000);

  it('knows a command refused by a connection that queues nothing offline was never sent', async () => {
    const connection = new Redis({ port: redis.port, enableOfflineQueue: false, retryStrategy: () => 100 });
    connection.on('error', () => undefined);
    try {
      await new Promise((resolve) => connection.once('ready', resolve));
      await redis.kill();
      await new Promise((resolve) => connection.once('reconnecting', resolve));
      expect(commandFailure(await failureOf(() => connection.set('never', '1')))).toBe('not-sent');
    } finally {
      connection.disconnect();
    }
  });
});
