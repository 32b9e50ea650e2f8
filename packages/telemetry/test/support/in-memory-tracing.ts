import { context, propagation, type SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';

/**
 * The real SDK in this test process, recording into an InMemorySpanExporter: a
 * NodeTracerProvider registered globally (AsyncLocalStorage context, W3C propagation).
 */
export function startInMemoryTracing(): { exporter: InMemorySpanExporter; stop: () => Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  return {
    exporter,
    stop: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The finished span called `name` (of `kind`); throws listing what there is unless exactly one. */
export function spanNamed(exporter: InMemorySpanExporter, name: string, kind?: SpanKind): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((span) => span.name === name && (kind === undefined || span.kind === kind));
  if (spans.length !== 1) {
    throw new Error(`expected one span ${name}, found ${spans.length} in [${exporter.getFinishedSpans().map((s) => s.name).join(', ')}]`);
  }
  return spans[0]!;
}
