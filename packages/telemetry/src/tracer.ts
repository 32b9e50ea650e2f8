import { type Context, isSpanContextValid, trace, TraceFlags, type Tracer } from '@opentelemetry/api';

/** The instrumentation scope of the spans this package creates itself. */
export const TRACER_NAME = '@platform/telemetry';

/**
 * The package's tracer. Asked for on each use rather than cached at import time, because
 * this module is loaded before `startTelemetry` registers the SDK's provider.
 */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Whether `ctx` is inside a trace the sampler turned down. Work there records nothing, so it
 * needs no span of its own: the context it already carries (the trace id, flags `00`) is what
 * a hop passes on, and every service downstream follows the decision.
 */
export function inUnsampledTrace(ctx: Context): boolean {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 && isSpanContextValid(spanContext);
}
