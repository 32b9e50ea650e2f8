import { clientAddress } from '@platform/http';
import type { FastifyRequest } from 'fastify';

/**
 * Who a request comes from, when the app knows better than the client address: the account
 * of a logged-in session, say. Undefined when it does not know (no valid session).
 */
export type CallerOf = (request: FastifyRequest) => string | undefined;

/**
 * Whose keys a request's key is among: one caller never finds another's stored answer.
 *
 * - The caller callerOf names (the session's account), else the client address
 *   (`clientAddress` of @platform/http: Fastify's `request.ip`, which honours trustProxy, in
 *   canonical form, so `203.0.113.7:51234` and `203.0.113.7` are one caller; behind a proxy
 *   that TRUST_PROXY does not name, every client shares the proxy's address, so name it).
 * - And the Authorization header, when there is one. A stored answer is replayed before the
 *   route's guards run (nothing of the route runs on a replay), so what authorizes a request
 *   must be part of the scope: a client without the admin token never reaches the answers
 *   of a client with it, even from the same address, and an answer kept for a token stops
 *   being reachable when the token changes.
 */
export function callerScope(request: FastifyRequest, callerOf: CallerOf | undefined): string {
  const caller = callerOf?.(request);
  const who = caller === undefined ? { address: clientAddress(request) } : { caller };
  const authorization = request.headers.authorization;
  return JSON.stringify(authorization === undefined ? who : { ...who, authorization });
}
