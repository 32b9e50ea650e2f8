import type { FastifyInstance } from 'fastify';
import { PROBE_ROUTES } from './probe-routes.js';

/**
 * One line per request once it is answered: route template, status and time. Probes and
 * scrapes log at debug, server errors at error. Fastify's own request logging is off
 * (two lines per request, and the raw URL only).
 */
export function logRequests(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    const level = reply.statusCode >= 500 ? 'error' : route && PROBE_ROUTES.has(route) ? 'debug' : 'info';
    request.log[level](
      { method: request.method, url: request.url, route, statusCode: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
    done();
  });
}
