// ioredis is imported (and its connections made) before the subscription starts: spans do not
// depend on load order or on the ESM loader, only on ioredis's diagnostics channels.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { RedisServer } from '@platform/testing';
import { Redis } from 'ioredis';
import { subscribeIoredisTracing } from '../src/ioredis-tracing.js';
import { TRACER_NAME } from '../src/tracer.js';
import { spanNamed, startInMemoryTracing } from './support/in-memory-tracing.js';

/** Runs `work` inside a recording span named `parent`, as a request handler would. */
const within = <T>(work: () => Promise<T>): Promise<T> =>
  trace.getTracer('test').startActiveSpan('parent', { kind: SpanKind.SERVER }, async (span) => {
    try {
      return await work();
    } finally {
      span.end();
    }
  });

describe('ioredis commands as spans, from ioredis 6 tracing channels', () => {
  let server: RedisServer;
  let client: Redis;
  let tracing: ReturnType<typeof startInMemoryTracing>;
  let exporter: InMemorySpanExporter;
  let unsubscribe: () => void;

  beforeAll(async () => {
    server = await RedisServer.start();
    client = new Redis(server.url);
    await client.ping();
    tracing = startInMemoryTracing();
    exporter = tracing.exporter;
    unsubscribe = subscribeIoredisTracing(trace.getTracer(TRACER_NAME));
  });

  afterAll(async () => {
    unsubscribe();
    client.disconnect();
    await tracing.stop();
    await server.destroy();
  });

  beforeEach(() => exporter.reset());

  it('records each command as a CLIENT span of the work that issued it, with values hidden', async () => {
    await within(async () => {
      await client.set('greeting', 'secret value');
      await client.get('greeting');
    });
    const parent = spanNamed(exporter, 'parent');
    const set = spanNamed(exporter, 'SET');
    expect(set.kind).toBe(SpanKind.CLIENT);
    expect(set.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(set.attributes).toEqual({
      'db.system.name': 'redis',
      'db.namespace': '0',
      'db.operation.name': 'SET',
      'db.query.text': 'SET greeting ?',
      'server.address': '127.0.0.1',
      'server.port': server.port,
    });
    expect(spanNamed(exporter, 'GET').attributes['db.query.text']).toBe('GET greeting');
  });

  it('records scripts by name only: their arguments carry payloads (BullMQ passes job data)', async () => {
    await within(() => client.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, 'script-key', 'user@example.com'));
    expect(spanNamed(exporter, 'EVAL').attributes['db.query.text']).toBe('EVAL');
  });

  it('marks a failed command, and records MULTI/EXEC command by command', async () => {
    await within(async () => {
      await client.set('not-a-number', 'x');
      await expect(client.incr('not-a-number')).rejects.toThrow('not an integer');
      await client.multi().set('a', '1').set('b', '2').exec();
    });
    const incr = spanNamed(exporter, 'INCR');
    expect(incr.status.code).toBe(SpanStatusCode.ERROR);
    expect(incr.events.map((event) => event.name)).toEqual(['exception']);
    expect(exporter.getFinishedSpans().map((span) => span.name).slice(2, -1)).toEqual(['MULTI', 'SET', 'SET', 'EXEC']);
  });

  it('records nothing for commands a component keeps out of traces (suppressTracing), inside traced work', async () => {
    await within(async () => {
      await context.with(suppressTracing(context.active()), () => client.get('internal'));
      await client.get('greeting');
    });
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET', 'parent']);
    expect(spanNamed(exporter, 'GET').attributes['db.query.text']).toBe('GET greeting');
  });

  it('records nothing outside traced work, nor once unsubscribed', async () => {
    await client.get('greeting');
    expect(exporter.getFinishedSpans()).toEqual([]);

    unsubscribe();
    await within(() => client.get('greeting'));
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['parent']);
    unsubscribe = subscribeIoredisTracing(trace.getTracer(TRACER_NAME));
  });
});
