import { addRouteHook } from '@platform/http';
import { runWithDeadline } from '@platform/deadlines';
import type { FastifyInstance } from 'fastify';
import { PROBE_ROUTES } from './probe-routes.js';

/**
 * Every HTTP request runs under a deadline `budgetMs` after it arrived: the calls it makes to
 * other services share that budget (RpcClient gives each at most what is left), and the
 * services they reach see it too, so no work runs on after the client was answered 504.
 * The hook runs the rest of the request inside the async context (as @fastify/request-context
 * does), which is the only way the deadline reaches the handler and what it calls.
 *
 * A route hook (added as each route is registered) rather than an application hook: probes
 * call nothing and skip it, and so does a 404, which Nest answers without a handler.
 */
export function runRequestsUnderBudget(fastify: FastifyInstance, budgetMs: number): void {
  const underBudget = (_request: unknown, _reply: unknown, done: () => void) => {
    runWithDeadline(Date.now() + budgetMs, done);
  };
  fastify.addHook('onRoute', (route) => {
    if (!PROBE_ROUTES.has(route.url)) addRouteHook(route, 'onRequest', underBudget);
  });
}
