import { type Context, context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Headers } from './envelope.js';

/**
 * Trace context crosses the hop in the message headers, through the globally registered
 * propagator. Without an OpenTelemetry SDK the API is a no-op: nothing is added, nothing is
 * extracted, and handlers run in the root context.
 */

/** Headers for an outgoing message: `metadata` (Nest's packet metadata) plus the active trace context. */
export function outgoingHeaders(metadata: Readonly<Headers> | undefined): Headers {
  const headers: Headers = { ...metadata };
  // A tracing client wrapper (traceRpcClient) already put its CLIENT span's context in the
  // metadata; the active context here may be its parent, which would skip that span.
  if (headers.traceparent === undefined) propagation.inject(context.active(), headers);
  return headers;
}

/** The context a handler runs in: the sender's trace context, not whatever was active in the loop. */
export function incomingContext(headers: Readonly<Headers>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Runs `work` with `ctx` active, so spans and logs inside it join the sender's trace. */
export function runInContext<T>(ctx: Context, work: () => T): T {
  return context.with(ctx, work);
}
