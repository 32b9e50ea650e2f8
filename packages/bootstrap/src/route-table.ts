import type { FastifyInstance } from 'fastify';

/**
 * Records every HTTP route as it is registered (Nest controllers and Fastify plugins alike,
 * e.g. Bull Board), as `METHOD /template`, sorted. The list is logged once at start: operators
 * see what a build serves, and the resilience tests read it to fuzz every route, including
 * routes added later. The HEAD twin Fastify adds to every GET is left out.
 */
export function recordRoutes(fastify: FastifyInstance): () => string[] {
  const routes = new Set<string>();
  fastify.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.add(`${method} ${route.url}`);
  });
  return () => [...routes].filter((route) => !(route.startsWith('HEAD ') && routes.has(`GET ${route.slice(5)}`))).sort();
}
