import { context, trace } from '@opentelemetry/api';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';

/**
 * @fastify/otel, which Fastify 5 registers on each new instance through the
 * `fastify.initialization` diagnostics channel (from the moment this is constructed): it puts
 * the route template (`/orders/:id`) into the context for the SERVER span's name (see
 * http-server-spans) and records handler errors in a `request` child span. Nothing for a
 * request whose SERVER span is not recording (not sampled, or untraced): no span, no context
 * switch. Its per-hook and per-handler spans are off.
 */
export function fastifyInstrumentation(): FastifyOtelInstrumentation {
  return new FastifyOtelInstrumentation({
    registerOnInitialization: true,
    instrumentHooks: false,
    instrumentHandler: false,
    // Called in its onRequest hook, inside the request's context (traceHttpServers).
    ignorePaths: () => !trace.getSpan(context.active())?.isRecording(),
  });
}

/**
 * Outgoing HTTP through node:http (instrumentation-http, which patches the module when
 * Fastify or a client first requires it) and @fastify/otel. Incoming requests get their SERVER
 * span from traceHttpServers instead, which asks the sampler before doing any other work.
 */
export function httpInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      disableIncomingRequestInstrumentation: true,
      // Outgoing calls made outside any request (e.g. a background poll) start no trace.
      requireParentforOutgoingSpans: true,
    }),
    // @fastify/otel is built against its own copy of @opentelemetry/instrumentation (0.222);
    // the two InstrumentationBase classes differ only in private members.
    fastifyInstrumentation() as unknown as Instrumentation,
  ];
}
