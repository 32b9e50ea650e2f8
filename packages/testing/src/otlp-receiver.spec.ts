import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpReceiver } from './otlp-receiver.js';

describe('OtlpReceiver', () => {
  it('decodes what the SDK exports over OTLP http/protobuf: ids, parent links, kinds, attributes, service', async () => {
    const receiver = await OtlpReceiver.start();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'spec-service' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }))],
    });
    try {
      const tracer = provider.getTracer('spec-scope');
      const root = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER, attributes: { 'http.route': '/orders/:id', 'http.status': 200 } });
      const { trace, context } = await import('@opentelemetry/api');
      const child = tracer.startSpan('add email.send', { kind: SpanKind.PRODUCER }, trace.setSpan(context.active(), root));
      child.setStatus({ code: SpanStatusCode.ERROR });
      child.end();
      root.end();
      await provider.forceFlush();

      expect(receiver.requests).toBeGreaterThan(0);
      const [producer, server] = receiver.spans;
      expect(server).toEqual({
        traceId: root.spanContext().traceId,
        spanId: root.spanContext().spanId,
        name: 'GET /orders/:id',
        kind: SpanKind.SERVER,
        attributes: { 'http.route': '/orders/:id', 'http.status': 200 },
        service: 'spec-service',
        scope: 'spec-scope',
        statusCode: 0,
      });
      expect(producer).toMatchObject({ parentSpanId: root.spanContext().spanId, kind: SpanKind.PRODUCER, statusCode: 2 });
    } finally {
      await provider.shutdown();
      await receiver.stop();
    }
  });
});
