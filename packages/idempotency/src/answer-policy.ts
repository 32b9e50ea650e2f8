/**
 * Whether an answer is stored (and every retry with the key gets it back) or the key is
 * released (and a retry runs the route again). The rule: a retry with the same key must never
 * be the second run of something that may have happened. So the key is released only when
 * the answer says nothing happened, or when running the route again is safe, and stored in
 * every other case:
 *
 * - 2xx, 3xx: it happened. Stored.
 * - 4xx: refused before anything changed (the platform's rule: bad input is a 400 that
 *   changes nothing; a service's 404 or 409 is a refusal too). Released, so a retry runs and is
 *   judged again: it gets the same refusal while nothing changed, and the route's real answer
 *   once the cause is gone (the product exists now, the rate limit has passed). The draft
 *   lets the server choose which errors it keeps; keeping a 400 for 24 h would only turn a
 *   corrected retry into a 422.
 * - 503: not delivered (the transport or Redis unreachable, a replica draining). Released.
 * - 504: no answer within the deadline, while the service may still complete the request.
 *   Released: the route's calls carry request ids derived from the key (identifyOperation),
 *   so the retry sends the same requests and each service answers with its first reply (the
 *   product the first call created) instead of running them again. A 504 replayed for 24 h
 *   would tell the client only that the outcome is unknown.
 * - 500, 502: a handler failed part way. Stored: a retry gets the same failure rather than a
 *   second run of the part that did happen.
 */
export function keepsAnswer(status: number): boolean {
  if (status === 503 || status === 504) return false;
  return status < 400 || status >= 500;
}

/**
 * The answer headers a replay repeats. Never `set-cookie` (a session id must not sit in Redis
 * in clear, and a replay must not hand out a session); never hop-by-hop or length headers,
 * which Fastify sets for the bytes it sends.
 */
export const REPLAYED_HEADERS: readonly string[] = [
  'content-type',
  'content-language',
  'content-location',
  'location',
  'link',
  'etag',
  'last-modified',
  'retry-after',
];
