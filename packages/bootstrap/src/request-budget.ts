import { runWithDeadline } from '@platform/deadlines';
import type { FastifyInstance } from 'fastify';

/**
 * Every HTTP request runs under a deadline `budgetMs` after it arrived: the calls it makes to
 * other services share that budget (RpcClient gives each at most what is left), and the
 * services they reach see it too, so no work runs on after the client was answered 504.
 * The hook runs the rest of the request inside the async context (as @fastify/request-context
 * does), which is the only way the deadline reaches the handler and what it calls.
 */
export function runRequestsUnderBudget(fastify: FastifyInstance, budgetMs: number): void {
  fastify.addHook('onRequest', (_request, _reply, done) => {
    runWithDeadline(Date.now() + budgetMs, done);
  });
}
