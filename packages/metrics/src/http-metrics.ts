import type { FastifyInstance } from 'fastify';
import type { MetricsService } from './metrics.service.js';

/**
 * Records every HTTP response in `http_server_request_duration_seconds`, labelled by the
 * route template (`/products/:id`, never the raw URL, so ids cannot explode the series
 * count), method and status code. A Fastify hook rather than a Nest interceptor, because
 * it also sees 404s, body-parser errors and anything rejected before a handler runs.
 * `unmeasured` route templates (probes, the scrape) are left out: they would drown the API's
 * own figures.
 */
export function instrumentHttpServer(fastify: FastifyInstance, metrics: MetricsService, unmeasured: ReadonlySet<string>): void {
  const duration = metrics.histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests handled by this service, by route template.',
    labelNames: ['method', 'route', 'status_code'],
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (!unmeasured.has(route)) {
      duration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1_000,
      );
    }
    done();
  });
}
