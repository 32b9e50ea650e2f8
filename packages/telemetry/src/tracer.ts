import { trace, type Tracer } from '@opentelemetry/api';

/** The instrumentation scope of the spans this package creates itself. */
export const TRACER_NAME = '@platform/telemetry';

/**
 * The package's tracer. Asked for on each use rather than cached at import time, because
 * this module is loaded before `startTelemetry` registers the SDK's provider.
 */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}
