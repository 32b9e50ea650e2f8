import { isSpanContextValid, trace } from '@opentelemetry/api';

/** The active span's ids under the field names of the OpenTelemetry log data model. */
export interface TraceLogFields {
  trace_id: string;
  span_id: string;
  /** W3C trace flags as two hex digits: `01` when the trace is sampled. */
  trace_flags: string;
}

/**
 * The ids to put on a log line written now, or undefined outside any trace (or when tracing
 * is off). Meant for a pino `mixin`: `mixin: () => currentTraceIds() ?? {}`.
 */
export function currentTraceIds(): TraceLogFields | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: spanContext.traceFlags.toString(16).padStart(2, '0'),
  };
}
