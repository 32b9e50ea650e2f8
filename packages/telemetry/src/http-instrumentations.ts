import type { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Incoming and outgoing HTTP through node:http (instrumentation-http, which patches the
 * module when Fastify first requires it), plus @fastify/otel, which Fastify 5 registers on
 * each new instance through the `fastify.initialization` diagnostics channel: it names the
 * HTTP server span after the route template (`GET /orders/:id`) and records handler errors.
 * Its per-hook and per-handler spans are off; one extra span per request remains.
 */
export function httpInstrumentations(untracedPaths: readonly string[]): Instrumentation[] {
  const untraced = new Set(untracedPaths);
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => untraced.has(pathOf(request.url)),
      // Outgoing calls made outside any request (e.g. a background poll) start no trace.
      requireParentforOutgoingSpans: true,
    }),
    // @fastify/otel is built against its own copy of @opentelemetry/instrumentation (0.222);
    // the two InstrumentationBase classes differ only in private members.
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
      instrumentHandler: false,
      ignorePaths: (route: { url: string }) => untraced.has(pathOf(route.url)),
    }) as unknown as Instrumentation,
  ];
}
