import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, type ManagedProcess, RedisServer, waitFor } from '@platform/testing';
import { assertPackageBuilt, Kind, readSpans, type SpanRecord, startFixture, StatusCode } from './support/fixtures.js';

/** `service:name` of `span` and of each ancestor up to the root, following parentSpanId. */
function ancestry(span: SpanRecord, trace: SpanRecord[]): string[] {
  const byId = new Map(trace.map((each) => [each.spanId, each]));
  const chain: string[] = [];
  for (let current: SpanRecord | undefined = span; current; current = byId.get(current.parentSpanId ?? '')) {
    chain.push(`${current.service}:${current.name}`);
  }
  return chain;
}

/** The one span of `service` named `name` (and of `kind`); throws listing the trace otherwise. */
function only(spans: SpanRecord[], service: string, name: string, kind?: number): SpanRecord {
  const matches = spans.filter((span) => span.service === service && span.name === name && (kind === undefined || span.kind === kind));
  if (matches.length !== 1) {
    throw new Error(`expected one ${service}:${name}, found ${matches.length} among:\n${spans.map((s) => `${s.service}:${s.name}`).join('\n')}`);
  }
  return matches[0]!;
}

/** Whether every span of `trace` names a parent inside it, except one root. */
function linked(trace: SpanRecord[]): boolean {
  const ids = new Set(trace.map((span) => span.spanId));
  return trace.filter((span) => span.parentSpanId === undefined || !ids.has(span.parentSpanId)).length === 1;
}

/*
 * Four real processes, each started as `node --enable-source-maps main.js` (telemetry first,
 * then the app through `await import()`), writing their finished spans to files:
 *   gateway        Nest 12 + Fastify 5: GET /orders/:id reads ioredis, calls catalog over the
 *                  Redis transport and legacy over TCP, emits an event over the Redis transport
 *   catalog        Redis-transport microservice whose handler reads Redis
 *   legacy         TCP-transport microservice
 *   notifications  handles the event by adding a BullMQ job; its Worker processes the job
 */
describe('one trace across HTTP, the Redis and TCP transports and a BullMQ job', () => {
  let redis: RedisServer;
  let spansDir: string;
  let gatewayUrl: string;
  const fixtures: ManagedProcess[] = [];

  beforeAll(async () => {
    assertPackageBuilt();
    redis = await RedisServer.start();
    spansDir = mkdtempSync(join(tmpdir(), 'telemetry-spans-'));
    const [httpPort, legacyPort] = await freePorts(2);
    gatewayUrl = `http://127.0.0.1:${httpPort}`;
    const env = (fixture: string) => ({
      FIXTURE: fixture,
      SPANS_FILE: join(spansDir, `${fixture}.jsonl`),
      REDIS_URL: redis.url,
      LEGACY_PORT: String(legacyPort),
      PORT: String(httpPort),
    });
    // The servers first, so the gateway's clients connect at once.
    fixtures.push(
      ...(await Promise.all(['catalog', 'legacy', 'notifications'].map((name) => startFixture('main.js', env(name))))),
    );
    fixtures.push(await startFixture('main.js', env('gateway')));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(fixtures.map((fixture) => fixture.stop('SIGTERM')));
    await redis?.destroy();
    if (spansDir) rmSync(spansDir, { recursive: true, force: true });
  });

  const spansOfTrace = (traceId: string) => readSpans(spansDir).filter((span) => span.traceId === traceId);

  /**
   * The spans of the trace the gateway started for `path`, once `expected` holds and every
   * parent has been written too (a parent ends, and is written, after its children). If
   * that never happens the spans so far are returned, for the assertions to show what is off.
   */
  async function traceOf(path: string, expected: (spans: SpanRecord[]) => boolean): Promise<SpanRecord[]> {
    const root = await waitFor(`the gateway span of ${path}`, () =>
      readSpans(spansDir).find((span) => span.service === 'gateway' && span.kind === Kind.SERVER && span.attributes['url.path'] === path),
    );
    try {
      return await waitFor(`every span of the trace of ${path}`, () => {
        const spans = spansOfTrace(root.traceId);
        return expected(spans) && linked(spans) ? spans : undefined;
      });
    } catch {
      return spansOfTrace(root.traceId);
    }
  }

  it('links every hop of one request into one trace, parent by parent', async () => {
    const response = await fetch(`${gatewayUrl}/orders/1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: '1', product: { id: '1', name: 'Teapot' }, price: { id: '1', cents: 1250 } });

    const trace = await traceOf('/orders/1', (spans) => spans.some((span) => span.name === 'process emails'));

    // One root, and every other span's parent is a span of the same trace: no hop lost its link.
    const ids = new Set(trace.map((span) => span.spanId));
    const roots = trace.filter((span) => span.parentSpanId === undefined);
    expect(roots.map((span) => `${span.service}:${span.name}`)).toEqual(['gateway:GET /orders/:id']);
    expect(trace.filter((span) => span.parentSpanId !== undefined && !ids.has(span.parentSpanId))).toEqual([]);
    expect(new Set(trace.map((span) => span.service))).toEqual(new Set(['gateway', 'catalog', 'legacy', 'notifications']));

    const root = roots[0]!;
    expect(root.kind).toBe(Kind.SERVER);
    expect(root.attributes['http.route']).toBe('/orders/:id');

    // HTTP -> ioredis in the gateway.
    const cacheRead = trace.find((span) => span.service === 'gateway' && span.attributes['db.query.text'] === 'GET order:1');
    expect(cacheRead?.kind).toBe(Kind.CLIENT);
    expect(ancestry(cacheRead!, trace).at(-1)).toBe('gateway:GET /orders/:id');

    // Redis transport request: CLIENT span in the gateway -> SERVER span in catalog -> its Redis read.
    const catalogClient = only(trace, 'gateway', 'catalog.product.get', Kind.CLIENT);
    const catalogServer = only(trace, 'catalog', 'catalog.product.get', Kind.SERVER);
    expect(catalogServer.parentSpanId).toBe(catalogClient.spanId);
    expect(catalogServer.attributes).toMatchObject({ 'rpc.method': 'catalog.product.get', 'nestjs.transport': 'redis' });
    const productRead = trace.find((span) => span.service === 'catalog' && span.attributes['db.query.text'] === 'GET product:1');
    expect(productRead?.parentSpanId).toBe(catalogServer.spanId);

    // TCP transport request.
    const legacyClient = only(trace, 'gateway', 'legacy.price.get', Kind.CLIENT);
    const legacyServer = only(trace, 'legacy', 'legacy.price.get', Kind.SERVER);
    expect(legacyServer.parentSpanId).toBe(legacyClient.spanId);
    expect(legacyServer.attributes['nestjs.transport']).toBe('tcp');

    // Redis transport event -> BullMQ job -> the Worker's Redis write, all the way up to the HTTP span.
    const emailSent = trace.find((span) => span.service === 'notifications' && span.attributes['db.query.text'] === 'SET email-sent:1 ?')!;
    expect(ancestry(emailSent, trace)).toEqual([
      'notifications:SET',
      'notifications:process emails',
      'notifications:add emails.order-email',
      'notifications:process notifications.order.placed',
      'gateway:send notifications.order.placed',
      'gateway:request',
      'gateway:GET /orders/:id',
    ]);
    expect(only(trace, 'gateway', 'send notifications.order.placed').kind).toBe(Kind.PRODUCER);
    expect(only(trace, 'notifications', 'process notifications.order.placed').kind).toBe(Kind.CONSUMER);
    expect(only(trace, 'notifications', 'add emails.order-email').kind).toBe(Kind.PRODUCER);
    expect(only(trace, 'notifications', 'process emails').kind).toBe(Kind.CONSUMER);
    expect(trace.every((span) => span.status.code !== StatusCode.ERROR)).toBe(true);
  });

  it('continues a trace the caller started, from its traceparent header', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const response = await fetch(`${gatewayUrl}/orders/1`, { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
    expect(response.status).toBe(200);

    const trace = await waitFor('the worker span of the continued trace', () => {
      const spans = spansOfTrace(traceId);
      return spans.some((span) => span.name === 'process emails') && linked(spans) ? spans : undefined;
    });
    expect(only(trace, 'gateway', 'GET /orders/:id').parentSpanId).toBe(callerSpanId);
    expect(new Set(trace.map((span) => span.service))).toEqual(new Set(['gateway', 'catalog', 'legacy', 'notifications']));
  });

  it('marks the failed call as an error on both sides of the transport', async () => {
    const response = await fetch(`${gatewayUrl}/orders/404`);
    expect(response.status).toBe(404);

    const trace = await traceOf('/orders/404', (spans) => spans.some((span) => span.service === 'catalog' && span.kind === Kind.SERVER));
    const client = only(trace, 'gateway', 'catalog.product.get', Kind.CLIENT);
    const server = only(trace, 'catalog', 'catalog.product.get', Kind.SERVER);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(server.status).toEqual({ code: StatusCode.ERROR, message: 'no product 404' });
    expect(server.events).toEqual(['exception']);
    expect(server.attributes['error.type']).toBe('RpcError');
    expect(client.status.code).toBe(StatusCode.ERROR);
    expect(only(trace, 'gateway', 'GET /orders/:id').attributes['http.response.status_code']).toBe(404);
  });

  it('starts no trace for health probes nor for BullMQ housekeeping', async () => {
    expect((await fetch(`${gatewayUrl}/health/live`)).status).toBe(200);
    // A traced request after the probe: once its spans are written, the probe's would be too.
    await fetch(`${gatewayUrl}/orders/1?after=probe`);
    await waitFor('the request after the probe', () =>
      readSpans(spansDir).some((span) => span.service === 'gateway' && span.kind === Kind.SERVER && span.attributes['url.query'] === 'after=probe'),
    );

    const spans = readSpans(spansDir);
    expect(spans.filter((span) => String(span.attributes['url.path'] ?? '').startsWith('/health'))).toEqual([]);
    // Every trace starts at a request, a message or a job: no INTERNAL roots (the Worker ran its
    // stalled-jobs check at start), and no Redis command outside a trace.
    const roots = spans.filter((span) => span.parentSpanId === undefined);
    expect(roots.filter((span) => span.kind === Kind.INTERNAL)).toEqual([]);
    expect(roots.filter((span) => span.attributes['db.system.name'] === 'redis')).toEqual([]);
    expect(new Set(roots.map((span) => span.name))).toEqual(new Set(['GET /orders/:id']));
  });
});
