import { type Context, context, propagation } from '@opentelemetry/api';

/** Out-of-band string values carried next to a packet (Nest's `PacketMetadata`). */
export type TraceMetadata = Record<string, string>;

/**
 * `metadata` plus the active trace context in the configured propagation format (W3C
 * `traceparent`/`tracestate` and `baggage` by default); `metadata` itself is left untouched.
 * For transports that carry metadata but are not Nest ClientProxies.
 */
export function injectTraceMetadata(metadata: TraceMetadata = {}, from: Context = context.active()): TraceMetadata {
  const carrier: TraceMetadata = { ...metadata };
  propagation.inject(from, carrier);
  return carrier;
}

/** The context a receiver should continue in: the sender's, when `metadata` carries one. */
export function extractTraceContext(metadata: Readonly<Record<string, unknown>> | undefined, base: Context = context.active()): Context {
  if (!metadata) return base;
  const carrier: TraceMetadata = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === 'string') carrier[key] = value;
  }
  return propagation.extract(base, carrier);
}
