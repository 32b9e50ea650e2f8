import { withRouteConfig } from '@platform/http';

/** The field of a Fastify route's `config` that turns Idempotency-Key off for the route. */
export const SKIP_IDEMPOTENCY = 'skipIdempotency';

/** The methods a retry could repeat an effect of (RFC 9110's unsafe methods a route may have). */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a route takes Idempotency-Key: every POST, PUT, PATCH and DELETE route unless its
 * config says `skipIdempotency: true`. One rule for the hooks (registerIdempotency) and the API
 * document (idempotencyKeyParameter), so the document cannot promise what a route ignores.
 */
export function takesIdempotencyKey(method: string | readonly string[], config: Readonly<Record<string, unknown>> | undefined): boolean {
  const methods = typeof method === 'string' ? [method] : method;
  return methods.some((candidate) => UNSAFE_METHODS.has(candidate.toUpperCase())) && config?.[SKIP_IDEMPOTENCY] !== true;
}

/**
 * The route ignores Idempotency-Key: it runs on every request, as without the header, and
 * the API document does not offer the header. Only for a route whose answer cannot be
 * replayed: one that sets or clears a cookie (login, logout: a replay never carries
 * `set-cookie`), or streams its answer. A route that is naturally repeatable still takes the
 * header: a client that retries with it learns it got the first answer.
 *
 * It sets the Fastify route config Nest passes to Fastify (`@RouteConfig`), merging with a
 * config set before it: write it above `@RouteConfig(...)`, which replaces what is there.
 */
export function SkipIdempotency(): MethodDecorator {
  return withRouteConfig({ [SKIP_IDEMPOTENCY]: true });
}
