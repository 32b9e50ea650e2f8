import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@platform/testing';
import { type Platform, startPlatform } from '../platform.js';
import { ADMIN_TOKEN, createProduct, loginAs, setStock, watch } from '../shop.js';
import { descendsFrom, orphans, outline, readSpans, RECORD_SPANS, type RecordedSpan, SpanKind, traceOf } from './spans.js';

// One request through the gateway is one trace, whatever it crosses: Nest's TCP transport,
// the Redis transports (Streams and pub/sub), a published event and a BullMQ job. Every
// service runs unchanged; a preload gives it the OpenTelemetry SDK's real span pipeline with
// an exporter that writes each finished span to a file this test reads.
describe.each(['redis-streams', 'redis'])('one trace across the platform over %s', (transport) => {
  let platform: Platform;
  let dir: string;
  let spansFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spans-'));
    spansFile = join(dir, 'spans.jsonl');
    platform = await startPlatform({
      env: { RPC_TRANSPORT: transport, SPANS_FILE: spansFile },
      gatewayEnv: { ADMIN_TOKEN, DEV_ENDPOINTS: 'true' },
      nodeArgs: RECORD_SPANS,
    });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows a stock change from the gateway through catalog and an event to the email job', async () => {
    const product = await createProduct(platform, { name: `Traced ${transport}`, price: 12, stock: 0 });
    const cookie = await loginAs(platform, `watcher-${transport}@example.com`);
    expect((await watch(platform, product.id, cookie)).status).toBe(204);
    expect((await setStock(platform, product.id, 5)).status).toBe(200);

    // The email job runs after the HTTP answer: wait until its spans are written too.
    let trace: RecordedSpan[] = [];
    await waitFor('the email job to finish inside the stock change trace', () => {
      trace = traceOf(readSpans(spansFile), 'PATCH', '/products/:id/stock');
      // Each service exports on its own schedule: the email job's span can arrive before
      // the spans of the hops that caused it; wait until every parent has arrived too.
      return trace.some((span) => span.service === 'notifications' && span.kind === SpanKind.CONSUMER && /email/.test(span.name)) && orphans(trace).length === 0;
    }, { timeoutMs: 20_000, intervalMs: 200 }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- the trace so far ---\n${outline(trace)}`);
    });

    expect(orphans(trace)).toEqual([]);
    expect(new Set(trace.map((span) => span.service))).toEqual(new Set(['gateway', 'catalog', 'notifications']));
    const root = trace.find((span) => !span.parentSpanId)!;
    const call = trace.find((span) => span.service === 'gateway' && span.kind === SpanKind.CLIENT && span.name.includes('catalog.updateStock'))!;
    const handled = trace.find((span) => span.service === 'catalog' && span.kind === SpanKind.SERVER && span.name.includes('catalog.updateStock'))!;
    const published = trace.find((span) => span.service === 'catalog' && span.kind === SpanKind.PRODUCER && span.name.includes('stock.updated'))!;
    const received = trace.find((span) => span.service === 'notifications' && span.kind === SpanKind.CONSUMER && span.name.includes('stock.updated'))!;
    const job = trace.find((span) => span.service === 'notifications' && span.kind === SpanKind.CONSUMER && /email/.test(span.name))!;
    for (const span of [call, handled, published, received, job]) expect(span).toBeDefined();
    // The chain is unbroken: each hop hangs under the one before it.
    expect(handled.parentSpanId).toBe(call.spanId);
    expect(descendsFrom(trace, call, root)).toBe(true);
    expect(descendsFrom(trace, published, handled)).toBe(true);
    expect(received.parentSpanId).toBe(published.spanId);
    expect(descendsFrom(trace, job, received)).toBe(true);
    // Redis commands are traced in the same trace (ioredis).
    expect(trace.some((span) => span.service === 'catalog' && span.kind === SpanKind.CLIENT && span.attributes['db.system.name'] === 'redis')).toBe(true);
  });

  it('traces GET /test1 as its hop, without a span per Redis command of the Streams transport', async () => {
    expect((await platform.request('/test1')).status).toBe(200);
    let trace: RecordedSpan[] = [];
    await waitFor('the catalog span', () => {
      trace = traceOf(readSpans(spansFile), 'GET', '/test1');
      return trace.some((span) => span.service === 'catalog' && span.kind === SpanKind.SERVER) && orphans(trace).length === 0;
    });
    const call = trace.find((span) => span.service === 'gateway' && span.kind === SpanKind.CLIENT && span.name.includes('catalog.hello'))!;
    const handled = trace.find((span) => span.service === 'catalog' && span.kind === SpanKind.SERVER && span.name.includes('catalog.hello'))!;
    expect(handled.parentSpanId).toBe(call.spanId);
    // The handler reads no Redis: every Redis span here would be the transport's own request,
    // reply or acknowledgement, which its CLIENT and SERVER spans already stand for. (Nest's
    // pub/sub transport's PUBLISH is its own business: not checked.)
    if (transport === 'redis-streams') {
      expect(trace.filter((span) => span.attributes['db.system.name'] === 'redis').map((span) => `${span.service}: ${span.name}`)).toEqual([]);
    }
  });

  it('follows GET /test over TCP to legacy', async () => {
    expect((await platform.request('/test')).status).toBe(200);
    let trace: RecordedSpan[] = [];
    await waitFor('the legacy span', () => {
      trace = traceOf(readSpans(spansFile), 'GET', '/test');
      return trace.some((span) => span.service === 'legacy');
    });
    const call = trace.find((span) => span.service === 'gateway' && span.kind === SpanKind.CLIENT && span.name.includes('legacy.hello'))!;
    const handled = trace.find((span) => span.service === 'legacy' && span.kind === SpanKind.SERVER)!;
    expect(handled.parentSpanId).toBe(call.spanId);
    expect(orphans(trace)).toEqual([]);
  });

  it('writes the trace id into the log lines written inside the trace', async () => {
    const trace = traceOf(readSpans(spansFile), 'PATCH', '/products/:id/stock');
    const traceId = trace[0]!.traceId;
    // The gateway's request line, and the worker's line about the email it sent.
    for (const name of ['gateway', 'notifications']) {
      await waitFor(`${name} to log the trace id`, () => platform.services.get(name).logs().includes(`"trace_id":"${traceId}"`));
    }
  });
});
