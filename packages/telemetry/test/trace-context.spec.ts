import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { currentTraceIds } from '../src/trace-ids.js';
import { extractTraceContext, injectTraceMetadata } from '../src/trace-metadata.js';
import { startInMemoryTracing } from './support/in-memory-tracing.js';

describe('trace context helpers', () => {
  let tracing: ReturnType<typeof startInMemoryTracing>;

  beforeAll(() => {
    tracing = startInMemoryTracing();
  });
  afterAll(() => tracing.stop());

  it('currentTraceIds gives the active span ids for log lines, and nothing outside a trace', () => {
    expect(currentTraceIds()).toBeUndefined();
    trace.getTracer('test').startActiveSpan('work', { kind: SpanKind.SERVER }, (span) => {
      const { traceId, spanId } = span.spanContext();
      expect(currentTraceIds()).toEqual({ trace_id: traceId, span_id: spanId, trace_flags: '01' });
      span.end();
    });
  });

  it('carries a span context through string metadata and back, keeping other keys', () => {
    const span = trace.getTracer('test').startSpan('sender', { kind: SpanKind.PRODUCER });
    const metadata = injectTraceMetadata({ tenant: 'acme' }, trace.setSpan(context.active(), span));
    expect(metadata).toEqual({ tenant: 'acme', traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01` });

    const received = trace.getSpanContext(extractTraceContext(metadata, ROOT_CONTEXT));
    expect(received).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, isRemote: true });
    expect(trace.getSpanContext(extractTraceContext({ traceparent: 42 }, ROOT_CONTEXT))).toBeUndefined();
    expect(extractTraceContext(undefined, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
    span.end();
  });
});
