import { tracingChannel } from 'node:diagnostics_channel';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { context } from '@opentelemetry/api';
import { RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { isStreamsTransportError, StreamsClient, type StreamsClientOptions } from '../src/index.js';
import { handledKey } from './fixtures/work.controller.js';
import { installTestTelemetry, TENANT } from './support/telemetry.js';
import { outcome, startServer } from './support/harness.js';

@Controller()
class TenantController {
  @MessagePattern('work.tenant')
  tenant(): { tenant: unknown } {
    return { tenant: context.active().getValue(TENANT) ?? null };
  }
}

describe('request/response over Redis Streams', () => {
  let redis: RedisServer;
  let probe: Redis;
  let app: INestMicroservice;
  let client: StreamsClient;
  const keyPrefix = 'rr';

  const newClient = (options: Partial<StreamsClientOptions> = {}) =>
    new StreamsClient({ redis: { url: redis.url }, keyPrefix, name: 'caller', ...options });

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = redis.client();
    app = await startServer({ redisUrl: redis.url, service: 'work', replica: 'r1', delayMs: 0 }, { keyPrefix }, [TenantController]);
    client = newClient();
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    probe?.disconnect();
    await redis?.destroy();
  });

  it('answers a request through the caller’s own reply list, with the message context', async () => {
    await expect(lastValueFrom(client.send('work.do', { id: 'one' }))).resolves.toEqual({ id: 'one', replica: 'r1' });
    expect(await probe.hget(handledKey, 'one')).toBe('1');

    const reply = await lastValueFrom(client.send<Record<string, unknown>>('work.context', { hello: 'world' }));
    expect(reply).toMatchObject({ data: { hello: 'world' }, pattern: 'work.context', stream: 'rr:rpc:work.context' });
    expect(reply.entryId).toMatch(/^\d+-\d+$/);
    // Replies are popped from the reply list; the request itself is acknowledged.
    expect(await probe.keys('rr:inbox:*')).toEqual([]);
    const [replies] = await probe.keys('rr:replies:caller:*');
    await waitFor('the reply list to be emptied', async () => (replies ? (await probe.llen(replies)) === 0 : true));
    expect(await probe.xpending('rr:rpc:work.do', 'work')).toEqual([0, null, null, null]);
    // ...and deleted: a request payload (a password, say) must not linger until trimming.
    expect(await probe.xlen('rr:rpc:work.do')).toBe(0);
  });

  it('keeps a reply pushed while the caller was not reading, and hands it over once it reads again', async () => {
    const caller = newClient();
    try {
      await caller.connect();
      const [, replyReader] = caller.unwrap<[Redis, Redis]>();
      const reply = lastValueFrom(caller.send('work.do', { id: 'while-away', delayMs: 500 }));
      await waitFor('the handler to start', async () => (await probe.hget(handledKey, 'while-away')) === '1');
      replyReader.disconnect();
      // The list exists from the first reply pushed to it (an empty list is no key).
      const replies = await waitFor('the reply to wait in the reply list', async () => {
        const [key] = await probe.keys('rr:replies:caller:*');
        return key && (await probe.llen(key)) === 1 ? key : undefined;
      });
      await replyReader.connect();
      await expect(reply).resolves.toEqual({ id: 'while-away', replica: 'r1' });
      expect(await probe.exists(replies)).toBe(0);
    } finally {
      await caller.close();
    }
  });

  it('answers a caller of the previous version on its inbox stream', async () => {
    const inbox = 'rr:inbox:old-caller:1';
    await probe.xadd(
      'rr:rpc:work.do', '*',
      'v', '1', 'id', 'old-1', 'replyTo', inbox, 'deadline', String(Date.now() + 10_000), 'headers', '{}', 'data', '{"id":"old"}',
    );
    const [entry] = await waitFor('the reply on the inbox stream', async () => {
      const entries = await probe.xrange(inbox, '-', '+');
      return entries.length > 0 ? entries : undefined;
    });
    expect(entry![1]).toEqual(['v', '1', 'id', 'old-1', 'reply', JSON.stringify({ response: { id: 'old', replica: 'r1' }, isDisposed: true })]);
    expect(await probe.pttl(inbox)).toBeGreaterThan(0);
  });

  it('carries Nest packet metadata from a dispatch hook to the handler’s context', async () => {
    const tagged = newClient();
    tagged.setOnDispatchHook((packet) => {
      packet.metadata = { tenant: 'acme' };
    });
    try {
      const reply = await lastValueFrom(tagged.send<{ metadata: unknown }>('work.context', {}));
      expect(reply.metadata).toEqual({ tenant: 'acme' });
    } finally {
      await tagged.close();
    }
  });

  it('delivers a handler’s error to the caller with its shape intact', async () => {
    const refused = await outcome(client.send('work.fail', { kind: 'rpc' }));
    expect(refused).toEqual({ ok: false, error: { statusCode: 409, message: 'already done', error: 'Conflict' } });
    const crashed = await outcome(client.send('work.fail', { kind: 'crash' }));
    expect(crashed).toEqual({ ok: false, error: { status: 'error', message: 'Internal server error' } });
  });

  it('answers call() as send() does, with a promise, and leaves no call behind', async () => {
    await expect(client.call('work.do', { id: 'promised' })).resolves.toEqual({ id: 'promised', replica: 'r1' });
    await expect(client.call('work.fail', { kind: 'rpc' })).rejects.toEqual({ statusCode: 409, message: 'already done', error: 'Conflict' });
    await expect(client.call('work.do', undefined)).rejects.toThrow(/payload|message/i);
    await expect(client.call('work.do', { id: 'bad-id' }, { requestId: '' })).rejects.toThrow(TypeError);
    // Bounded by its own deadline: a handler slower than the call's timeout.
    const late = await client.call('work.do', { id: 'late', delayMs: 500 }, { timeoutMs: 100 }).catch((error: unknown) => error);
    expect(isStreamsTransportError(late, 'TIMEOUT')).toBe(true);
    // Once every call settled, no timer of theirs is left to fire.
    expect((client as unknown as { calls: Map<string, unknown> }).calls.size).toBe(0);
  });

  it('refuses an oversized request before sending it', async () => {
    const small = newClient({ maxEntryBytes: 1_000 });
    try {
      const result = await outcome(small.send('work.do', { id: 'big', padding: 'x'.repeat(2_000) }));
      expect(result.ok).toBe(false);
      expect(isStreamsTransportError(!result.ok && result.error, 'TOO_LARGE')).toBe(true);
      expect(await probe.hget(handledKey, 'big')).toBeNull();
    } finally {
      await small.close();
    }
  });

  it('runs the handler in the trace context the caller injected into the headers', async () => {
    const uninstall = installTestTelemetry();
    try {
      // As a gateway handler would: the call is made inside the request's active context.
      const withTenant = context.with(context.active().setValue(TENANT, 'acme'), () =>
        lastValueFrom(client.send('work.tenant', {})),
      );
      await expect(withTenant).resolves.toEqual({ tenant: 'acme' });
      // Nothing leaks from one message to the next.
      await expect(lastValueFrom(client.send('work.tenant', {}))).resolves.toEqual({ tenant: null });
    } finally {
      uninstall();
    }
    await expect(lastValueFrom(client.send('work.tenant', {}))).resolves.toEqual({ tenant: null });
  });

  it('sends its own commands past ioredis\' tracing channel: a subscriber sees none of them', async () => {
    // What @platform/telemetry subscribes to. With a subscriber, ioredis builds a message and a
    // wrapper promise for every command it publishes, sampled or not: the transport's own
    // commands (untraced, src/trace.ts) are never published.
    const channel = tracingChannel<{ command: string }, { command: string }>('ioredis:command');
    const published: string[] = [];
    const subscriber = { start: (message: { command: string }) => void published.push(message.command), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    channel.subscribe(subscriber);
    try {
      await expect(lastValueFrom(client.send('work.tenant', {}))).resolves.toEqual({ tenant: null });
      await lastValueFrom(client.emit('work.tenant.seen', {}), { defaultValue: undefined });
      // A connection of no transport's, as a control: its command is published.
      await probe.ping();
    } finally {
      channel.unsubscribe(subscriber);
    }
    expect(published).toEqual(['ping']);
  });

  it('writes the sends of one turn of the event loop, each from a callback of its own, as one socket write', async () => {
    // As a gateway's HTTP requests arrive: each in a socket callback of its own, one tick each.
    const socket = (client as unknown as { connections: { command: { redis: { stream: Record<string, unknown> } } } }).connections.command.redis.stream;
    // Node's socket writes everything through these two, one call per system call.
    const writeMethods = ['_write', '_writev'];
    let writes = 0;
    for (const method of writeMethods) {
      const original = socket[method] as (...args: unknown[]) => unknown;
      socket[method] = function (this: unknown, ...args: unknown[]) {
        writes++;
        return original.apply(this, args);
      };
    }
    try {
      const replies = await new Promise<Array<Promise<unknown>>>((resolve) => {
        const sent: Array<Promise<unknown>> = [];
        for (let n = 0; n < 8; n++) {
          // Immediates queued together run in one check phase, each callback a tick of its own
          // (the tick's queue and microtasks run in between), and one the client queues while
          // they run waits for the next turn. Timers would not do: under load, eight timers of
          // 0 ms may fall due on two turns, when the clock passes a millisecond between them.
          setImmediate(() => {
            sent.push(lastValueFrom(client.send('work.do', { id: `turn-${n}` })));
            if (sent.length === 8) resolve(sent);
          });
        }
      });
      const written = writes;
      await expect(Promise.all(replies)).resolves.toHaveLength(8);
      expect(written).toBe(0);
      expect(writes).toBe(1);
    } finally {
      for (const method of writeMethods) delete socket[method];
    }
  });

  it('lets a running handler finish and answer when the server closes', async () => {
    const slowPrefix = 'drain';
    const server = await startServer({ redisUrl: redis.url, service: 'work', replica: 'drain', delayMs: 0 }, { keyPrefix: slowPrefix });
    const caller = newClient({ keyPrefix: slowPrefix });
    try {
      const reply = lastValueFrom(caller.send('work.do', { id: 'slow', delayMs: 600 }));
      await waitFor('the handler to start', async () => (await probe.hget(handledKey, 'slow')) === '1');
      await server.close();
      await expect(reply).resolves.toEqual({ id: 'slow', replica: 'drain' });
      expect(await probe.xpending('drain:rpc:work.do', 'work')).toEqual([0, null, null, null]);
    } finally {
      await caller.close();
    }
  });

  it('drops requests whose deadline passed before a replica read them, unhandled', async () => {
    const latePrefix = 'late';
    const caller = newClient({ keyPrefix: latePrefix, requestTimeoutMs: 150 });
    const ids = ['late-1', 'late-2', 'late-3', 'late-4', 'late-5'];
    // No replica is running: every call times out with a clear error.
    const results = await Promise.all(ids.map((id) => outcome(caller.send('work.do', { id }))));
    for (const result of results) {
      expect(result.ok).toBe(false);
      expect(isStreamsTransportError(!result.ok && result.error, 'TIMEOUT')).toBe(true);
      expect(!result.ok && (result.error as Error).message).toMatch(/no reply to work\.do within 150 ms/);
    }
    expect(await probe.xlen('late:rpc:work.do')).toBe(5);

    const server = await startServer({ redisUrl: redis.url, service: 'work', replica: 'late', delayMs: 0 }, { keyPrefix: latePrefix });
    try {
      await expect(lastValueFrom(caller.send('work.do', { id: 'late-fresh' }, { timeoutMs: 5_000 }))).resolves.toMatchObject({
        id: 'late-fresh',
      });
      await waitFor('every queued request to be acknowledged', async () => (await probe.xpending('late:rpc:work.do', 'work'))[0] === 0);
      expect(await probe.hmget(handledKey, ...ids)).toEqual(ids.map(() => null));
    } finally {
      await caller.close();
      await server.close();
    }
  });
});

describe('a client while Redis is down', () => {
  let redis: RedisServer;
  let app: INestMicroservice;
  let client: StreamsClient;

  beforeAll(async () => {
    redis = await RedisServer.start();
    app = await startServer({ redisUrl: redis.url, service: 'work', replica: 'r1', delayMs: 0 });
    client = new StreamsClient({ redis: { url: redis.url }, name: 'caller', requestTimeoutMs: 20_000 });
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    await redis?.destroy();
  });

  it('fails calls and publishes at once with UNAVAILABLE, and works again when Redis is back', async () => {
    await expect(lastValueFrom(client.send('work.do', { id: 'before' }))).resolves.toMatchObject({ id: 'before' });
    await redis.kill();
    // Once the client knows Redis is gone, nothing is sent: UNAVAILABLE. (A request written in
    // the instant before it noticed is UNKNOWN_OUTCOME instead: packages/transport's outcomes test.)
    const [command] = client.unwrap<[Redis]>();
    await waitFor('the client to notice', () => command.status !== 'ready');

    const started = Date.now();
    const call = await outcome(client.send('work.do', { id: 'during' }));
    const event = await outcome(client.emit('work.happened', { id: 'during' }));
    // Far below the 20 s request timeout (and an emit has none): the caller is told, it does not wait.
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const result of [call, event]) {
      expect(result.ok).toBe(false);
      expect(isStreamsTransportError(!result.ok && result.error, 'UNAVAILABLE')).toBe(true);
    }

    await redis.start();
    const after = await waitFor('a call to succeed after the restart', async () => {
      const result = await outcome(client.send<{ id: string }>('work.do', { id: 'after' }));
      return result.ok ? result.value : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(after).toEqual({ id: 'after', replica: 'r1' });
  });
});
