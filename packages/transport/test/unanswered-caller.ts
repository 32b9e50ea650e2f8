import { StreamsClient } from '@platform/streams-transport';
import { RedisServer } from '@platform/testing';
import type { Redis } from 'ioredis';
import { RpcClient } from '../src/rpc-client.js';

/** What unansweredCaller sets up; read it inside the tests (it is filled in beforeAll). */
export interface UnansweredCaller {
  redis: RedisServer;
  /** A plain client on the same Redis, for assertions. */
  probe: Redis;
  streams: StreamsClient;
  client: RpcClient;
  /** How many requests `pattern`'s stream holds: what was sent, whatever the caller was told. */
  stored(pattern: string): Promise<number>;
}

/**
 * A real redis-server, a Streams client under `keyPrefix` and an RpcClient over it with
 * `timeoutMs`, and no server: a call can only time out or fail in the transport, which is what
 * the tests of what a caller is told need. Started before the file's tests, stopped after.
 */
export function unansweredCaller(keyPrefix: string, timeoutMs: number): UnansweredCaller {
  const caller = {
    stored: (pattern: string) => caller.probe.xlen(`${keyPrefix}:rpc:${pattern}`),
  } as UnansweredCaller;
  beforeAll(async () => {
    caller.redis = await RedisServer.start();
    caller.probe = caller.redis.client();
    caller.streams = new StreamsClient({ redis: { url: caller.redis.url }, keyPrefix, name: 'caller' });
    await caller.streams.connect();
    caller.client = new RpcClient({ caller: 'test', clients: {}, fallback: caller.streams, timeoutMs });
  });
  afterAll(async () => {
    await caller.streams?.close();
    caller.probe?.disconnect();
    await caller.redis?.destroy();
  });
  return caller;
}
