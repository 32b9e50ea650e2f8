import { IDEMPOTENCY_KEY_HEADER, IdempotencyKeyHeader, REPLAYED_HEADER } from './idempotency-key.js';
import { takesIdempotencyKey } from './skip-idempotency.decorator.js';

const duration = (seconds: number) => (seconds % 3_600 === 0 ? `${seconds / 3_600} h` : `${seconds} s`);

/**
 * The Idempotency-Key header as the API document describes it (a `headers` entry of
 * @platform/openapi's options): on the routes registerIdempotency serves it on, with the
 * answers it adds and the retention the draft says a server must publish.
 */
export function idempotencyKeyParameter({ ttlSeconds }: { ttlSeconds: number }) {
  return {
    name: IDEMPOTENCY_KEY_HEADER,
    description:
      `Makes a retry safe: the first request with a key runs and its answer is kept for ${duration(ttlSeconds)}; a retry with the same key and the same ` +
      `request gets that answer again (header ${REPLAYED_HEADER}: true) without running anything. Keys are per caller (the logged-in account, ` +
      'else the client address, and the Authorization header). Answers that mean nothing happened (4xx, 503) are not kept: a retry runs again. ' +
      'Nor is a 504: the retry runs again, and each service it calls answers with its first reply instead of running twice.',
    schema: IdempotencyKeyHeader,
    appliesTo: (route: { method: string; routeConfig?: Readonly<Record<string, unknown>> | undefined }) => takesIdempotencyKey(route.method, route.routeConfig),
    responses: {
      '400': 'The Idempotency-Key is not a valid key.',
      '409': 'A request with this Idempotency-Key is still in progress (see Retry-After); nothing was done.',
      '422': 'This Idempotency-Key was already used for a different request; nothing was done.',
    },
  };
}
