import { type Context, context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Command, Redis } from 'ioredis';
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

/**
 * The transport's own commands start no span, even inside a sampled request: the hop is traced
 * by its CLIENT and SERVER spans (traceRpcClient, traceRpcServer), and the commands are its
 * inner workings. Before, a sampled `GET /test1` had a fifth span, the request's XADD under
 * the CLIENT span, to record and export for nothing.
 *
 * Two marks, each for one kind of instrumentation:
 * - `Command.isTraced`, set on every command, sampled or not: ioredis publishes a command on its
 *   `ioredis:command` tracing channel (which @platform/telemetry subscribes to) only while the
 *   flag is false. With a subscriber, publishing costs every command its arguments' sanitized
 *   copy, a message object and a wrapper promise with four events, even when the subscriber
 *   then finds no recording span: so unsampled requests pay nothing for these commands now.
 * - OpenTelemetry's standard suppression, for an instrumentation that patches ioredis instead,
 *   and only under a recording span: elsewhere no span would start anyway, and a context
 *   switch per command would cost unsampled requests.
 */
export function untraced(redis: Redis): void {
  const send = redis.sendCommand.bind(redis) as (command: Command, stream?: unknown, node?: unknown) => unknown;
  redis.sendCommand = ((command: Command, stream?: unknown, node?: unknown) => {
    command.isTraced = true;
    const active = context.active();
    if (!trace.getSpan(active)?.isRecording()) return send(command, stream, node);
    return context.with(suppressTracing(active), () => send(command, stream, node));
  }) as Redis['sendCommand'];
}
