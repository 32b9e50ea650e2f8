import { type Attributes, type Context, isSpanContextValid, type Link, SpanKind, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

type Env = Readonly<Record<string, string | undefined>>;

function ratioFrom(env: Env): number {
  const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (!raw) return 1;
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new Error(`OTEL_TRACES_SAMPLER_ARG=${raw} is not a sampling ratio between 0 and 1`);
  }
  return ratio;
}

/**
 * The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name, as the specification
 * defines them (default parentbased_always_on). Built here rather than by the SDK so a typo
 * fails the start with a clear message instead of a diag warning and a silent fallback.
 */
export function samplerFromEnv(env: Env): Sampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratioFrom(env));
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratioFrom(env)) });
    default:
      throw new Error(
        `OTEL_TRACES_SAMPLER=${name} is not supported: use always_on, always_off, traceidratio, ` +
          'parentbased_always_on, parentbased_always_off or parentbased_traceidratio',
      );
  }
}

/**
 * Drops traces that would start with an INTERNAL span: in these services a trace starts at
 * a request, a message or a job, and an INTERNAL root is background housekeeping (BullMQ's
 * stalled-job check every 30 s, worker start and close), which would otherwise add a trace
 * per worker every half minute. Everything else is decided by `delegate`.
 */
export class NoInternalRootSampler implements Sampler {
  constructor(private readonly delegate: Sampler) {}

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (spanKind === SpanKind.INTERNAL && !(parent && isSpanContextValid(parent))) {
      return { decision: SamplingDecision.NOT_RECORD };
    }
    return this.delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `NoInternalRootSampler{${this.delegate.toString()}}`;
  }
}
