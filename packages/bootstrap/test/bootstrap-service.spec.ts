import { Body, Controller, Get, Module, NotFoundException, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { defineRpc } from '@platform/contracts';
import { DeadlineExceededError, OverloadedError, remainingMs } from '@platform/deadlines';
import { ZodValidationPipe } from '@platform/validation';
import { freePort, RedisServer } from '@platform/testing';
import { ContractHandlersError, HandlesRequest, RpcClient, serverOptions, TransportModule } from '@platform/transport';
import { z } from 'zod';
import { bootstrapService } from '../src/index.js';

const Item = z.object({ name: z.string().min(1) }).strict();
const lookup = defineRpc('catalog', 'spec-lookup', { request: z.object({ id: z.number() }), response: z.object({ id: z.number() }) });
const explode = defineRpc('catalog', 'spec-explode', { request: z.object({}), response: z.object({}) });
const refuse = defineRpc('catalog', 'spec-refuse', { request: z.object({ why: z.enum(['expired', 'overloaded']) }), response: z.object({}) });

@Controller()
class SpecRpcController {
  @HandlesRequest(lookup)
  lookup({ id }: { id: number }) {
    if (id === 404) throw new NotFoundException(`no item ${id}`);
    return { id };
  }

  @HandlesRequest(explode)
  explode(): never {
    throw new Error('secret internals');
  }

  @HandlesRequest(refuse)
  refuse({ why }: { why: 'expired' | 'overloaded' }): never {
    throw why === 'expired' ? new DeadlineExceededError('the spec step', -1) : new OverloadedError('the spec step', 2);
  }
}

@Controller()
class SpecHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('items')
  create(@Body(new ZodValidationPipe(Item)) item: z.output<typeof Item>) {
    return item;
  }

  @Get('boom')
  boom(): never {
    throw new Error('database password is hunter2');
  }

  @Get('lookup/404')
  missing() {
    return this.rpc.call(lookup, { id: 404 });
  }

  @Get('lookup/7')
  found() {
    return this.rpc.call(lookup, { id: 7 });
  }

  @Get('explode')
  exploded() {
    return this.rpc.call(explode, {});
  }

  @Get('refuse/:why')
  refused(@Param('why') why: 'expired' | 'overloaded') {
    return this.rpc.call(refuse, { why });
  }

  @Get('budget')
  async budget() {
    await Promise.resolve();
    return { remainingMs: remainingMs() ?? null };
  }
}

describe('bootstrapService', () => {
  let redis: RedisServer;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const port = await freePort();
    @Module({
      imports: [TransportModule.forClients({ caller: 'spec', targets: { catalog: { kind: 'redis', redis: { url: redis.url } } }, timeoutMs: 2_000 })],
      controllers: [SpecHttpController, SpecRpcController],
    })
    class SpecModule {}
    ({ app } = await bootstrapService({
      name: 'catalog',
      module: SpecModule,
      config: { HOST: '127.0.0.1', PORT: port, LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: 0, SHUTDOWN_TIMEOUT_MS: 5_000 },
      redis: { url: redis.url },
      microservices: [serverOptions({ kind: 'redis', redis: { url: redis.url } }, 'catalog')],
      handles: [lookup, explode, refuse],
      http: { requestBudgetMs: 1_500 },
    }));
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app?.close();
    await redis?.destroy();
  });

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${base}/items`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('answers every kind of bad input with a JSON 4xx', async () => {
    const cases: Array<[Response, number]> = [
      [await post('{"name":'), 400],
      [await post('{"name":""}'), 400],
      [await post('{"name":"x","admin":true}'), 400],
      [await post('<name>x</name>', 'application/xml'), 415],
      [await post(JSON.stringify({ name: 'x'.repeat(100_000) })), 413],
    ];
    for (const [response, status] of cases) {
      expect(response.status).toBe(status);
      const body = await response.json();
      expect(body).toEqual({ statusCode: status, error: expect.any(String), message: expect.any(String) });
    }
    expect((await post('{"name":"mug"}')).status).toBe(201);
  });

  it('hides unexpected errors behind a generic 500', async () => {
    const response = await fetch(`${base}/boom`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
  });

  it('carries a handler refusal over the transport as the same status, and a failure as a 502', async () => {
    expect(await (await fetch(`${base}/lookup/7`)).json()).toEqual({ id: 7 });
    const missing = await fetch(`${base}/lookup/404`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no item 404' });
    const exploded = await fetch(`${base}/explode`);
    expect(exploded.status).toBe(502);
    expect(JSON.stringify(await exploded.json())).not.toContain('secret');
  });

  it('refuses to start a service whose listed contracts lack a handler', async () => {
    const unanswered = defineRpc('catalog', 'spec-unanswered', { request: z.object({}), response: z.object({}) });
    @Module({ controllers: [SpecRpcController] })
    class Incomplete {}
    const started = bootstrapService({
      name: 'catalog',
      module: Incomplete,
      config: { HOST: '127.0.0.1', PORT: await freePort(), LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: 0, SHUTDOWN_TIMEOUT_MS: 5_000 },
      redis: { url: redis.url },
      handles: [lookup, explode, unanswered],
    });
    await expect(started).rejects.toThrow(ContractHandlersError);
    await expect(started).rejects.toThrow('catalog.spec-unanswered (request) has no handler');
  });

  it('runs a request, and what it awaits, under the request budget', async () => {
    const { remainingMs: left } = (await (await fetch(`${base}/budget`)).json()) as { remainingMs: number | null };
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(1_500);
  });

  it('answers liveness with terminus\' body for no checks', async () => {
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
  });

  it('measures each handled message by its outcome, the handler\'s deadline and overload refusals apart', async () => {
    expect((await fetch(`${base}/lookup/7`)).status).toBe(200);
    expect((await fetch(`${base}/refuse/expired`)).status).toBe(504);
    expect((await fetch(`${base}/refuse/overloaded`)).status).toBe(503);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const count = (pattern: string, outcome: string) =>
      new RegExp(`rpc_server_duration_seconds_count\\{service="catalog",pattern="catalog.${pattern}",kind="request",outcome="${outcome}"\\} (\\d+)`).exec(metrics)?.[1];
    expect(Number(count('spec-lookup', 'ok'))).toBeGreaterThanOrEqual(1);
    expect(count('spec-refuse', 'expired')).toBe('1');
    expect(count('spec-refuse', 'overloaded')).toBe('1');
    expect(metrics).toContain('rpc_server_expired_total{pattern="catalog.spec-refuse",stage="handler",service="catalog"} 1');
  });

  it('serves readiness on the platform routes', async () => {
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/rpc_server_duration_seconds_count\{service="catalog",pattern="catalog.spec-lookup",kind="request",outcome="client_error"\} 1/);
    expect(metrics).toMatch(/rpc_client_duration_seconds_count\{service="catalog",target="catalog",pattern="catalog.spec-explode",outcome="server_error"\} 1/);
  });
});
