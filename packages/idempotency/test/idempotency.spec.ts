import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import {
  BadRequestException,
  Body,
  type CanActivate,
  Controller,
  GatewayTimeoutException,
  HttpCode,
  Injectable,
  Module,
  Param,
  Post,
  Put,
  Res,
  ServiceUnavailableException,
  UnauthorizedException,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HttpErrorFilter } from '@platform/http';
import { MetricsService } from '@platform/metrics';
import { closeRedis, createRedis } from '@platform/redis';
import { RedisServer, waitFor } from '@platform/testing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { registerIdempotency, SkipIdempotency } from '../src/index.js';

const KEY_PREFIX = 'spec:idempotency:';
const TTL_SECONDS = 3_600;
const LEASE_MS = 1_000;

/** What the routes did: how often each ran, and a gate that holds a running handler. */
@Injectable()
class Ledger {
  runs: Record<string, number> = {};
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  run(route: string): number {
    this.runs[route] = (this.runs[route] ?? 0) + 1;
    return this.runs[route];
  }

  /** Handlers that wait() hold until release(). */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async wait(): Promise<void> {
    await this.gate;
  }
}

/** Lets a request through with `Authorization: Bearer right` only, like the admin token guard. */
class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest<FastifyRequest>().headers.authorization !== 'Bearer right') throw new UnauthorizedException('wrong token');
    return true;
  }
}

@Controller()
class OrdersController {
  constructor(private readonly ledger: Ledger) {}

  @Post('orders')
  async create(@Body() body: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply) {
    const run = this.ledger.run('create');
    await this.ledger.wait();
    void reply.header('location', `/orders/${run}`).header('set-cookie', 'sid=secret; HttpOnly');
    return { id: run, ...body };
  }

  @Put('orders/:id')
  update(@Param('id') id: string, @Body() body: Record<string, unknown>) {
    this.ledger.run('update');
    return { id, ...body };
  }

  @Post('guarded')
  @UseGuards(BearerGuard)
  guarded() {
    return { run: this.ledger.run('guarded') };
  }

  @Post('refused')
  refused(): never {
    this.ledger.run('refused');
    throw new BadRequestException('price: must be positive');
  }

  @Post('unavailable')
  unavailable(): never {
    this.ledger.run('unavailable');
    throw new ServiceUnavailableException('the service is unavailable');
  }

  @Post('timeout')
  timeout(): never {
    this.ledger.run('timeout');
    throw new GatewayTimeoutException('the service did not answer within 1500 ms');
  }

  @Post('login')
  @SkipIdempotency()
  @HttpCode(204)
  login(): void {
    this.ledger.run('login');
  }
}

@Module({ controllers: [OrdersController], providers: [Ledger] })
class OrdersModule {}

interface App {
  url: string;
  ledger: Ledger;
  redis: Redis;
  metrics: MetricsService;
  close(): Promise<void>;
}

/** A Nest app on Fastify as bootstrapService builds it (trustProxy, the error filter), with Idempotency-Key. */
async function startApp(redisUrl: string): Promise<App> {
  const app = await NestFactory.create<NestFastifyApplication>(OrdersModule, new FastifyAdapter({ trustProxy: true }), { logger: false });
  app.useGlobalFilters(new HttpErrorFilter());
  const redis = createRedis({ url: redisUrl }, 'command', 'idempotency-spec');
  const metrics = new MetricsService('idempotency-spec');
  registerIdempotency(app.getHttpAdapter().getInstance(), {
    redis,
    keyPrefix: KEY_PREFIX,
    ttlSeconds: TTL_SECONDS,
    leaseMs: LEASE_MS,
    // Stands in for a session: the app says who the caller is when it knows.
    callerOf: (request) => request.headers['x-user'] as string | undefined,
    metrics,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: await app.getUrl(),
    ledger: app.get(Ledger),
    redis,
    metrics,
    async close() {
      await app.close();
      await closeRedis(redis);
    },
  };
}

interface Sent {
  status: number;
  body: any;
  headers: Headers;
}

async function send(app: App, method: string, path: string, { key, body, headers = {} }: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Sent> {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(key !== undefined && { 'idempotency-key': key }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

const outcomes = async (metrics: MetricsService): Promise<Record<string, number>> => {
  const { values } = await metrics.registry.getSingleMetric('http_idempotency_requests_total')!.get();
  const totals: Record<string, number> = {};
  for (const { labels, value } of values) totals[String(labels.outcome)] = (totals[String(labels.outcome)] ?? 0) + value;
  return totals;
};

describe('Idempotency-Key against a real Redis', () => {
  let server: RedisServer;
  let client: Redis;
  let app: App;

  beforeAll(async () => {
    server = await RedisServer.start();
    client = server.client();
    app = await startApp(server.url);
  });

  afterAll(async () => {
    await app?.close();
    client?.disconnect();
    await server?.destroy();
  });

  const records = () => client.keys(`${KEY_PREFIX}*`);
  /** How many scripts Redis ran so far (INFO commandstats): each idempotency step is one. */
  const scripts = async () => {
    const stats = await client.info('commandstats');
    return ['evalsha', 'eval'].reduce((sum, command) => sum + Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0), 0);
  };
  /** The scripts one request cost. */
  const cost = async (request: () => Promise<unknown>) => {
    const before = await scripts();
    await request();
    return (await scripts()) - before;
  };

  it('runs the first request, keeps its answer for the TTL, and replays it without running the route again', async () => {
    const key = randomUUID();
    const before = app.ledger.runs.create ?? 0;
    const first = await send(app, 'POST', '/orders', { key, body: { item: 'mug', quantity: 2 } });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(app.ledger.runs.create).toBe(before + 1);

    const [record] = await records();
    expect(await client.ttl(record!)).toBeGreaterThan(TTL_SECONDS - 10);
    expect(await client.ttl(record!)).toBeLessThanOrEqual(TTL_SECONDS);
    // The key name holds neither the key, nor the address, nor anything the client chose.
    expect(record).toMatch(new RegExp(`^${KEY_PREFIX}[0-9a-f]{64}$`));
    // Nor does the record keep the cookie the handler set.
    expect(await client.get(record!)).not.toContain('secret');

    // The same request again, fields reordered as a client library may: the stored answer.
    const replayed = await send(app, 'POST', '/orders', { key, body: { quantity: 2, item: 'mug' } });
    expect(replayed).toMatchObject({ status: 201, body: first.body });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(replayed.headers.get('location')).toBe(first.headers.get('location'));
    expect(replayed.headers.get('set-cookie')).toBeNull();
    // The quoted form of the draft's sf-string is the same key.
    expect((await send(app, 'POST', '/orders', { key: `"${key}"`, body: { item: 'mug', quantity: 2 } })).body).toEqual(first.body);
    expect(app.ledger.runs.create).toBe(before + 1);
  });

  it('changes nothing for a request without the header', async () => {
    const before = app.ledger.runs.create ?? 0;
    const keys = (await records()).length;
    const first = await send(app, 'POST', '/orders', { body: { item: 'cup' } });
    const second = await send(app, 'POST', '/orders', { body: { item: 'cup' } });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).toBe(first.body.id + 1);
    expect(app.ledger.runs.create).toBe(before + 2);
    expect(await records()).toHaveLength(keys);
  });

  it('answers 422 and runs nothing when the key comes back with another body or on another route', async () => {
    const key = randomUUID();
    expect((await send(app, 'POST', '/orders', { key, body: { item: 'mug' } })).status).toBe(201);
    const runs = { ...app.ledger.runs };

    const otherBody = await send(app, 'POST', '/orders', { key, body: { item: 'teapot' } });
    expect(otherBody.status).toBe(422);
    expect(otherBody.body).toEqual({ statusCode: 422, error: 'Unprocessable Entity', message: expect.stringContaining('already used for a different request') });
    expect((await send(app, 'PUT', '/orders/1', { key, body: { item: 'mug' } })).status).toBe(422);
    expect((await send(app, 'POST', '/orders?express=1', { key, body: { item: 'mug' } })).status).toBe(422);
    expect(app.ledger.runs).toEqual(runs);
  });

  it('answers 409 with Retry-After to a retry while the first request still runs, and runs nothing for it', async () => {
    const key = randomUUID();
    const before = app.ledger.runs.create ?? 0;
    app.ledger.hold();
    try {
      const first = send(app, 'POST', '/orders', { key, body: { item: 'kettle' } });
      await waitFor('the first request to run', () => app.ledger.runs.create === before + 1);

      const concurrent = await send(app, 'POST', '/orders', { key, body: { item: 'kettle' } });
      expect(concurrent.status).toBe(409);
      expect(concurrent.body.message).toMatch(/still in progress/);
      expect(Number(concurrent.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Held well past its lease, the first request keeps its key: the lease is renewed.
      await sleep(LEASE_MS * 2.5);
      expect((await send(app, 'POST', '/orders', { key, body: { item: 'kettle' } })).status).toBe(409);
      expect(app.ledger.runs.create).toBe(before + 1);

      app.ledger.release();
      const answered = await first;
      expect(answered.status).toBe(201);
      expect(await send(app, 'POST', '/orders', { key, body: { item: 'kettle' } })).toMatchObject({ status: 201, body: answered.body });
      expect(app.ledger.runs.create).toBe(before + 1);
    } finally {
      app.ledger.release();
    }
  });

  it('keeps each caller\'s keys apart: client addresses, logged-in callers, credentials', async () => {
    const key = randomUUID();
    const callers: Array<Record<string, string>> = [
      { 'x-forwarded-for': '10.0.0.1' },
      { 'x-forwarded-for': '10.0.0.2' },
      { 'x-forwarded-for': '10.0.0.1', 'x-user': 'alice' },
      { 'x-forwarded-for': '10.0.0.1', 'x-user': 'bob' },
      { 'x-forwarded-for': '10.0.0.1', authorization: 'Bearer someone-else' },
    ];
    const before = app.ledger.runs.create ?? 0;
    const firsts = [];
    for (const headers of callers) firsts.push(await send(app, 'POST', '/orders', { key, body: { item: 'mug' }, headers }));
    expect(firsts.map((answer) => answer.headers.get('idempotent-replayed'))).toEqual(callers.map(() => null));
    expect(new Set(firsts.map((answer) => answer.body.id)).size).toBe(callers.length);
    expect(app.ledger.runs.create).toBe(before + callers.length);

    // Each gets its own answer back. A logged-in caller's keys follow it to another address.
    for (const [i, headers] of callers.entries()) {
      const moved = headers['x-user'] ? { ...headers, 'x-forwarded-for': '10.9.9.9' } : headers;
      expect(await send(app, 'POST', '/orders', { key, body: { item: 'mug' }, headers: moved })).toMatchObject({ status: 201, body: firsts[i]!.body });
    }
    expect(app.ledger.runs.create).toBe(before + callers.length);
  });

  it('never replays an answer to a request the route\'s guard would refuse: the credentials are part of the scope', async () => {
    const key = randomUUID();
    const allowed = await send(app, 'POST', '/guarded', { key, headers: { authorization: 'Bearer right' } });
    expect(allowed.status).toBe(201);
    // Same address, same key, no token: the route runs (and its guard refuses), nothing is replayed.
    const refused = await send(app, 'POST', '/guarded', { key });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('idempotent-replayed')).toBeNull();
    expect(await send(app, 'POST', '/guarded', { key, headers: { authorization: 'Bearer right' } })).toMatchObject({ status: 201, body: allowed.body });
    expect(app.ledger.runs.guarded).toBe(1);
  });

  it('releases the key after a 4xx, a 503 or a 504 (nothing happened, or the services answer a retry from memory): a retry runs', async () => {
    const expected = { refused: 400, unavailable: 503, timeout: 504 } as const;
    for (const [route, status] of Object.entries(expected)) {
      const key = randomUUID();
      const first = await send(app, 'POST', `/${route}`, { key });
      const retry = await send(app, 'POST', `/${route}`, { key });
      expect({ route, statuses: [first.status, retry.status], replayed: retry.headers.get('idempotent-replayed') }).toEqual({
        route,
        statuses: [status, status],
        replayed: null,
      });
      expect({ route, runs: app.ledger.runs[route] }).toEqual({ route, runs: 2 });
    }
  });

  it('refuses a key that is not one with 400, before anything runs', async () => {
    const before = { ...app.ledger.runs };
    const joined = new Headers({ 'content-type': 'application/json' });
    joined.append('idempotency-key', 'first');
    joined.append('idempotency-key', 'second');
    const answers = [
      await send(app, 'POST', '/orders', { key: '', body: {} }),
      await send(app, 'POST', '/orders', { key: 'x'.repeat(256), body: {} }),
      await send(app, 'POST', '/orders', { key: 'two words', body: {} }),
      await send(app, 'POST', '/orders', { key: '"unterminated', body: {} }),
      await send(app, 'POST', '/orders', { key: 'back\\slash', body: {} }),
      await fetch(`${app.url}/orders`, { method: 'POST', headers: joined, body: '{}' }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 400));
    expect(app.ledger.runs).toEqual(before);
    expect((await send(app, 'POST', '/orders', { key: 'x'.repeat(255), body: {} })).status).toBe(201);
  });

  it('lets a route opt out with @SkipIdempotency: it runs on every request and keeps nothing', async () => {
    const key = randomUUID();
    const keys = (await records()).length;
    const answers = [await send(app, 'POST', '/login', { key }), await send(app, 'POST', '/login', { key })];
    expect(answers.map((answer) => [answer.status, answer.headers.get('idempotent-replayed')])).toEqual([[204, null], [204, null]]);
    expect(app.ledger.runs.login).toBe(2);
    expect(await records()).toHaveLength(keys);
  });

  it('costs two Redis round trips for a first request, one for a replay or a refusal, none without the header', async () => {
    const key = randomUUID();
    // The scripts are loaded by now (the tests above ran each): every step is one EVALSHA.
    expect(await cost(() => send(app, 'POST', '/orders', { body: { item: 'spoon' } }))).toBe(0);
    expect(await cost(() => send(app, 'POST', '/orders', { key, body: { item: 'spoon' } }))).toBe(2);
    expect(await cost(() => send(app, 'POST', '/orders', { key, body: { item: 'spoon' } }))).toBe(1);
    expect(await cost(() => send(app, 'POST', '/orders', { key, body: { item: 'fork' } }))).toBe(1);
  });

  it('counts replays, conflicts and mismatches in http_idempotency_requests_total', async () => {
    const before = await outcomes(app.metrics);
    const [key, other] = [randomUUID(), randomUUID()];
    await send(app, 'POST', '/orders', { key, body: { item: 'bowl' } });
    await send(app, 'POST', '/orders', { key, body: { item: 'bowl' } });
    await send(app, 'POST', '/orders', { key, body: { item: 'jug' } });
    await send(app, 'POST', '/refused', { key: other });
    const runs = app.ledger.runs.create ?? 0;
    app.ledger.hold();
    try {
      const first = send(app, 'POST', '/orders', { key: other, body: {} });
      await waitFor('the first request to run', () => app.ledger.runs.create === runs + 1);
      await send(app, 'POST', '/orders', { key: other, body: {} });
      app.ledger.release();
      await first;
    } finally {
      app.ledger.release();
    }
    const expected = { stored: 2, replayed: 1, mismatch: 1, released: 1, in_progress: 1 };
    const delta = async () => {
      const after = await outcomes(app.metrics);
      return Object.fromEntries(Object.keys(after).map((outcome) => [outcome, after[outcome]! - (before[outcome] ?? 0)]).filter(([, count]) => count !== 0));
    };
    // A store is counted when Redis confirms it, which the answer does not wait for.
    await waitFor('the last store to be counted', async () => isDeepStrictEqual(await delta(), expected) || undefined, { timeoutMs: 2_000 }).catch(() => undefined);
    expect(await delta()).toEqual(expected);
  });

  it('frees the key of a replica that died mid-request once its lease runs out', async () => {
    const doomed = await startApp(server.url);
    const key = randomUUID();
    doomed.ledger.hold();
    try {
      void send(doomed, 'POST', '/orders', { key, body: { item: 'vase' } }).catch(() => undefined);
      await waitFor('the request on the doomed replica to run', () => doomed.ledger.runs.create === 1);
      // The replica's Redis connection dies with it: no renewal, no answer stored, no release.
      doomed.redis.disconnect();
      expect((await send(app, 'POST', '/orders', { key, body: { item: 'vase' } })).status).toBe(409);
      const retried = await waitFor(
        'the key to be free again',
        async () => {
          const answer = await send(app, 'POST', '/orders', { key, body: { item: 'vase' } });
          return answer.status === 201 ? answer : undefined;
        },
        { timeoutMs: LEASE_MS * 5, intervalMs: 200 },
      );
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
    } finally {
      doomed.ledger.release();
      await doomed.close();
    }
  });

  it('answers 503 quickly while Redis is down, runs requests without a key, and takes keys again once Redis is back', async () => {
    const key = randomUUID();
    const before = app.ledger.runs.create ?? 0;
    await server.stop();
    try {
      const started = Date.now();
      const answer = await send(app, 'POST', '/orders', { key, body: { item: 'plate' } });
      expect(answer.status).toBe(503);
      expect(answer.body.message).toMatch(/idempotency store is unavailable/);
      // At most the command connection's timeout (2 s), never a hang.
      expect(Date.now() - started).toBeLessThan(3_500);
      expect(app.ledger.runs.create).toBe(before);
      expect((await send(app, 'POST', '/orders', { body: { item: 'plate' } })).status).toBe(201);
    } finally {
      await server.start();
    }
    // Nothing ran for the 503: the same key is a first request once Redis answers again.
    const retried = await waitFor('the key to be taken again', async () => {
      const answer = await send(app, 'POST', '/orders', { key, body: { item: 'plate' } });
      return answer.status === 201 ? answer : undefined;
    });
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    await waitFor('the test client to reconnect', () => client.status === 'ready');
  });
});
