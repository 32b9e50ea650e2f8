import type { MetricsService } from '@platform/metrics';

/**
 * What became of a request with an Idempotency-Key:
 * - `stored`: it ran and its answer is kept for replay; `released`: it ran, nothing happened
 *   (a 4xx or 503), the key is free again;
 * - `replayed`: answered with the stored answer, the route did not run;
 * - `in_progress` (409): the key's first request still runs; `mismatch` (422): the key was
 *   used for another request; `invalid_key` (400);
 * - `store_unavailable` (503): Redis did not answer the claim; `store_failed`: the route ran
 *   but its answer could not be stored, or its key released (Redis failed meanwhile, or the
 *   lease had run out): a retry after the lease runs the route again.
 */
export type IdempotencyOutcome =
  | 'stored'
  | 'released'
  | 'replayed'
  | 'in_progress'
  | 'mismatch'
  | 'invalid_key'
  | 'store_unavailable'
  | 'store_failed';

export type CountOutcome = (request: { method: string; routeOptions: { url?: string | undefined } }, outcome: IdempotencyOutcome) => void;

/** `http_idempotency_requests_total{method,route,outcome}`, by route template like the HTTP histogram. */
export function idempotencyOutcomes(metrics: MetricsService | undefined): CountOutcome {
  if (!metrics) return () => undefined;
  const counter = metrics.counter({
    name: 'http_idempotency_requests_total',
    help: 'Requests with an Idempotency-Key, by route template and outcome (stored, released, replayed, in_progress, mismatch, ...).',
    labelNames: ['method', 'route', 'outcome'],
  });
  return (request, outcome) => counter.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', outcome });
}
