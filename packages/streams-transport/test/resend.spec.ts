import { createServer, type Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { INestMicroservice } from '@nestjs/common';
import { RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { isStreamsTransportError, StreamsClient } from '../src/index.js';
import { eventsKey, handledKey } from './fixtures/work.controller.js';
import { outcome, startServer } from './support/harness.js';

/** The command timeout of a `command` connection (@platform/redis). */
const COMMAND_TIMEOUT_MS = 2_000;

/**
 * A TCP proxy in front of Redis that can stop passing Redis' answers on and then drop the
 * clients' connections: a command that Redis executed but whose answer never arrived, as
 * when a connection dies at the wrong moment.
 */
class AnswerEatingProxy {
  private swallowing = false;
  private readonly clients = new Set<Socket>();
  private readonly server: Server;

  private constructor(private readonly redisPort: number) {
    this.server = createServer((client) => this.relay(client));
  }

  static async start(redisPort: number): Promise<AnswerEatingProxy> {
    const proxy = new AnswerEatingProxy(redisPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private relay(client: Socket): void {
    const upstream = new Socket();
    upstream.connect(this.redisPort, '127.0.0.1');
    this.clients.add(client);
    client.on('data', (data) => upstream.write(data));
    upstream.on('data', (data) => {
      if (!this.swallowing) client.write(data);
    });
    const close = () => {
      this.clients.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  /** From now on Redis' answers are dropped. */
  swallowAnswers(): void {
    this.swallowing = true;
  }

  /** Drops every client connection; new ones get answers again. */
  dropConnections(): void {
    for (const client of this.clients) client.destroy();
    this.swallowing = false;
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('a request or an event whose answer from Redis was lost with the connection', () => {
  let redis: RedisServer;
  let probe: Redis;
  let app: INestMicroservice;
  let proxy: AnswerEatingProxy;
  let client: StreamsClient;

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = redis.client();
    app = await startServer({ redisUrl: redis.url, service: 'work', replica: 'r1', delayMs: 0 });
    proxy = await AnswerEatingProxy.start(Number(new URL(redis.url).port));
    client = new StreamsClient({ redis: { url: proxy.url }, name: 'lossy', requestTimeoutMs: 3_000 });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.stop();
    await app?.close();
    probe?.disconnect();
    await redis?.destroy();
  });

  it('is handled once, not appended again when the client reconnects, and fails with an unknown outcome', async () => {
    expect(await outcome(client.send('work.do', { id: 'warm-up' }))).toMatchObject({ ok: true });
    proxy.swallowAnswers();
    const call = outcome(client.send('work.do', { id: 'lost-answer' }));
    // Redis appended it and the server handled it; the client heard nothing back.
    await waitFor('the request to be handled', async () => (await probe.hget(handledKey, 'lost-answer')) ?? undefined);
    const dropped = Date.now();
    proxy.dropConnections();
    const result = await call;
    // At once, not at the command timeout (2 s) or the call's own (3 s): the connection that
    // carried it closed, and nothing will ever answer it.
    expect(Date.now() - dropped).toBeLessThan(COMMAND_TIMEOUT_MS / 2);
    expect(result.ok === false && isStreamsTransportError(result.error, 'UNKNOWN_OUTCOME')).toBe(true);
    // Time for a resent XADD to be appended and handled, had the client resent it.
    const [command] = client.unwrap<[Redis, Redis]>();
    await waitFor('the client to reconnect', () => command.status === 'ready');
    expect(await outcome(client.send('work.do', { id: 'after' }))).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await probe.hget(handledKey, 'lost-answer')).toBe('1');
  });

  it('fails an event that Redis stored but did not confirm with an unknown outcome, not "not stored"', async () => {
    expect(await outcome(client.emit('work.happened', { id: 'warm-up-event' }))).toMatchObject({ ok: true });
    proxy.swallowAnswers();
    const published = outcome(client.emit('work.happened', { id: 'lost-event-answer' }));
    // Redis stored it and the server handled it; the client heard nothing back.
    await waitFor('the event to be handled', async () => (await probe.hget(eventsKey('work'), 'lost-event-answer')) ?? undefined);
    proxy.dropConnections();
    const result = await published;
    // UNAVAILABLE would tell the caller that nothing was stored, and a retry would publish it twice.
    expect(result.ok === false && isStreamsTransportError(result.error, 'UNKNOWN_OUTCOME')).toBe(true);
    const [command] = client.unwrap<[Redis, Redis]>();
    await waitFor('the client to reconnect', () => command.status === 'ready');
  });
});
