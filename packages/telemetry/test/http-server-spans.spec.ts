import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { waitFor } from '@platform/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyInstrumentation } from '../src/http-instrumentations.js';
import { traceHttpServers } from '../src/http-server-spans.js';
import { CountingSampler, spanNamed, startInMemoryTracing } from './support/in-memory-tracing.js';

/** POSTs `body` in two writes 50 ms apart, so it reaches the server in two socket reads. */
async function postInTwoChunks(url: string, headers: Record<string, string>, body: string): Promise<unknown> {
  const half = Math.floor(body.length / 2);
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve(JSON.parse(text)));
    });
    request.on('error', reject);
    request.write(body.slice(0, half));
    void sleep(50).then(() => request.end(body.slice(half)));
  });
}

/** GETs `url` on a connection of its own, and resolves once the response has ended. */
async function getOnNewConnection(url: string, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { agent: false, headers }, (response) => {
      response.resume();
      response.on('end', resolve);
    })
      .on('error', reject)
      .end();
  });
}

/** The trace context a handler runs in, as it answers it. */
function activeTrace() {
  const active = trace.getSpanContext(context.active());
  return active ? { traceId: active.traceId, sampled: (active.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED } : null;
}

describe('HTTP server spans, sampled once at the edge', () => {
  const sampler = new CountingSampler();
  let tracing: ReturnType<typeof startInMemoryTracing>;
  let exporter: InMemorySpanExporter;
  let routes: ReturnType<typeof fastifyInstrumentation>;
  let stopServerSpans: () => void;
  let app: FastifyInstance;
  let url: string;
  const respondedIn = new Map<string, ReturnType<typeof activeTrace>>();
  /** The own keys of the socket each request to /socket was answered on, by its x-probe header. */
  const socketKeys = new Map<string, string[]>();

  beforeAll(async () => {
    tracing = startInMemoryTracing(sampler);
    exporter = tracing.exporter;
    stopServerSpans = traceHttpServers(trace.getTracer('test'), ['/health/live']);
    // Registers itself on the Fastify instance created next, as in a service.
    routes = fastifyInstrumentation();
    app = Fastify();
    app.get('/items/:id', () => activeTrace());
    // The handler runs once the body has arrived, from the request stream's events.
    app.post('/items', (request) => ({ body: request.body, trace: activeTrace() }));
    app.get('/broken', (_request, reply) => reply.code(503).send({ error: 'down' }));
    app.get('/health/live', () => activeTrace());
    app.get('/socket', () => ({ ok: true }));
    // Where a request's log line is written (packages/bootstrap's request log).
    app.addHook('onResponse', (request, _reply, done) => {
      respondedIn.set(request.url, activeTrace());
      const probe = request.headers['x-probe'];
      if (typeof probe === 'string') socketKeys.set(probe, Reflect.ownKeys(request.raw.socket).map(String).sort());
      done();
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await app?.close();
    routes?.disable();
    stopServerSpans?.();
    await tracing?.stop();
  });

  beforeEach(() => {
    exporter.reset();
    sampler.asked.length = 0;
  });

  it('names a sampled request after its route and records what it was asked and answered', async () => {
    const response = await fetch(`${url}/items/7?color=red`, { headers: { 'user-agent': 'spec' } });
    expect(response.status).toBe(200);
    const handledIn = (await response.json()) as { traceId: string; sampled: boolean };

    const server = await waitFor('the server span', () => exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER));
    expect(server.name).toBe('GET /items/:id');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
      'url.path': '/items/7',
      'url.query': 'color=red',
      'url.scheme': 'http',
      'user_agent.original': 'spec',
    });
    expect(handledIn).toEqual({ traceId: server.spanContext().traceId, sampled: true });
    // @fastify/otel's child, where handler errors are recorded.
    expect(spanNamed(exporter, 'request').parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  });

  it('keeps a sampled request in its trace after its body arrived and in its onResponse hook', async () => {
    const answer = await postInTwoChunks(`${url}/items`, { 'content-type': 'application/json' }, JSON.stringify({ name: 'kettle' }));

    const server = await waitFor('the server span', () => exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER));
    const sampledTrace = { traceId: server.spanContext().traceId, sampled: true };
    expect(answer).toEqual({ body: { name: 'kettle' }, trace: sampledTrace });
    expect(respondedIn.get('/items')).toEqual(sampledTrace);
  });

  it('marks a 5xx answer as an error', async () => {
    expect((await fetch(`${url}/broken`)).status).toBe(503);

    const server = await waitFor('the server span', () => exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER));
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.attributes['http.response.status_code']).toBe(503);
  });

  it('asks the sampler once for a request it turns down, and runs its handler in the unsampled trace', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const answer = await postInTwoChunks(
      `${url}/items`,
      { 'content-type': 'application/json', traceparent: `00-${traceId}-b7ad6b7169203331-00` },
      JSON.stringify({ name: 'teapot' }),
    );

    // Called once the body's last chunk arrived (a socket event), the handler is still in the
    // caller's trace, which it passes on unsampled.
    expect(answer).toEqual({ body: { name: 'teapot' }, trace: { traceId, sampled: false } });
    // So is its onResponse hook (the request's log line carries the trace id).
    await waitFor('the onResponse hook', () => respondedIn.get('/items'));
    expect(respondedIn.get('/items')).toEqual({ traceId, sampled: false });
    // One decision at the edge: @fastify/otel started nothing for it.
    expect(sampler.asked).toEqual(['POST']);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('leaves a connection in the same shape whether its request was sampled or not', async () => {
    // A property that only sampled requests add to their socket gives the server's sockets
    // two hidden classes once some requests are sampled and some not, which makes Node's
    // HTTP path megamorphic (the peer read in traceHttpServers).
    await getOnNewConnection(`${url}/socket`, { 'x-probe': 'sampled' });
    await getOnNewConnection(`${url}/socket`, { 'x-probe': 'unsampled', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' });
    await getOnNewConnection(`${url}/health/live`, { 'x-probe': 'untraced' });

    await waitFor('the three responses', () => socketKeys.size === 3);
    expect(exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER)).toHaveLength(1);
    expect(socketKeys.get('unsampled')).toEqual(socketKeys.get('sampled'));
    expect(socketKeys.get('untraced')).toEqual(socketKeys.get('sampled'));
  });

  it('traces nothing on an untraced path', async () => {
    const response = await fetch(`${url}/health/live`);

    expect(await response.json()).toBeNull();
    expect(sampler.asked).toEqual([]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
