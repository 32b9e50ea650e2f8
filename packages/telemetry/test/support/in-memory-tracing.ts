import { type Attributes, type Context, context, type Link, propagation, type SpanKind, trace } from '@opentelemetry/api';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SamplingResult,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';

/** The default sampler (parent-based, roots sampled), counting the spans it is asked about. */
export class CountingSampler implements Sampler {
  /** The name of every span the tracer was asked to start, sampled or not. */
  readonly asked: string[] = [];
  private readonly delegate = new ParentBasedSampler({ root: new AlwaysOnSampler() });

  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    this.asked.push(name);
    return this.delegate.shouldSample(ctx, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return 'CountingSampler';
  }
}

/**
 * The real SDK in this test process, recording into an InMemorySpanExporter: a
 * NodeTracerProvider registered globally (AsyncLocalStorage context, W3C propagation).
 */
export function startInMemoryTracing(sampler: Sampler = new CountingSampler()): { exporter: InMemorySpanExporter; stop: () => Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });
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
