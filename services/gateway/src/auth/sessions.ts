import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest, RouteOptions } from 'fastify';
import { type HookScope, registerForRoutes, withRouteConfig } from '@platform/http';
import { IDEMPOTENCY_KEY_HEADER, takesIdempotencyKey } from '@platform/idempotency';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { AccountSessions } from './account-sessions.js';
import { RedisSessionStore } from './redis-session.store.js';

/** The session cookie's name: `__Host-` makes browsers insist on Secure, Path=/ and no Domain. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-sid' : 'sid';
}

/**
 * Whether a session cookie set on this request's answer would reach the client. A Secure
 * cookie is set only over HTTPS (@fastify/session silently drops it otherwise), and the
 * gateway, which serves plain HTTP, knows a request was HTTPS only from the X-Forwarded-Proto
 * of a proxy TRUST_PROXY names (`request.protocol`).
 */
export function canSetSessionCookie(request: FastifyRequest, secure: boolean): boolean {
  return !secure || request.protocol === 'https';
}

/** The field of a Fastify route's `config` that gives the route the session (see UsesSession). */
export const USES_SESSION = 'usesSession';

/**
 * The route reads or writes the session (and its cookie): `request.session` is loaded before
 * it runs and saved as it answers. Every other route goes without: no cookie parsed, no session
 * built, looked up or signed (see registerSessions). Routes guarded by SessionGuard need it
 * (the guard answers 500 on a route without it, so a forgotten one fails its first test), as
 * do login and logout. Merges with the route config of decorators below it (withRouteConfig).
 */
export function UsesSession(): MethodDecorator {
  return withRouteConfig({ [USES_SESSION]: true });
}

/**
 * Sessions for the gateway's session routes (@fastify/session, kept in Redis by RedisSessionStore):
 * - a cookie that is HttpOnly, SameSite=Lax and, with COOKIE_SECURE, Secure;
 * - an absolute lifetime (SESSION_MAX_AGE_SECONDS from login; not extended by activity);
 * - nothing stored for anonymous requests (saveUninitialized: false);
 * - the id is rotated at login (the auth controller calls session.regenerate());
 * - at most `sessions.maxPerAccount` per account (live config): the store writes a logged-in
 *   session through AccountSessions, which ends the oldest beyond it.
 * Registered through bootstrapService's `configure`, before the app listens.
 *
 * Only where a route needs them: @fastify/cookie's and @fastify/session's hooks run on the
 * routes marked @UsesSession, and on the routes that take an Idempotency-Key for the requests
 * that carry one (a logged-in caller's keys are its account's: sessionCaller). Everything
 * else (probes, scrapes, the API docs, product reads, the seed routes) costs no session work:
 * @fastify/session builds a signed session for every request it sees, anonymous ones
 * included, and loads one from Redis for every request with a cookie, and it has no per-route
 * switch of its own. So a stray cookie cannot make /health/live depend on Redis either.
 */
export async function registerSessions(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  const maxAgeSeconds = config.SESSION_MAX_AGE_SECONDS;
  const fastify = app.getHttpAdapter().getInstance();
  await registerForRoutes(fastify, fastifyCookie, {}, sessionScope);
  await registerForRoutes(
    fastify,
    fastifySession,
    {
      secret: config.SESSION_SECRET,
      cookieName: sessionCookieName(config.COOKIE_SECURE),
      store: new RedisSessionStore(app.get<symbol, Redis>(REDIS), maxAgeSeconds, app.get(AccountSessions)),
      saveUninitialized: false,
      rolling: false,
      cookie: {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: config.COOKIE_SECURE,
        maxAge: maxAgeSeconds * 1_000,
      },
    },
    sessionScope,
  );
}

/** Which requests of a route get the session (see registerSessions). */
function sessionScope(route: RouteOptions): HookScope {
  const routeConfig = route.config as Record<string, unknown> | undefined;
  if (routeConfig?.[USES_SESSION] === true) return true;
  if (takesIdempotencyKey(route.method, routeConfig)) return carriesIdempotencyKey;
  return false;
}

const idempotencyKeyHeader = IDEMPOTENCY_KEY_HEADER.toLowerCase();
const carriesIdempotencyKey = (request: FastifyRequest): boolean => request.headers[idempotencyKeyHeader] !== undefined;

/**
 * The caller of a request, for its Idempotency-Keys: the account of a logged-in session at
 * the credential epoch the session was made with, so a user's retry finds its answer from
 * another address (a phone changing networks); undefined without a session (the client
 * address is used then). The epoch is part of it because a stored answer is replayed before
 * the route's guards run: a session that SessionGuard refuses since the password changed must
 * not reach the answers stored for the account's new sessions.
 */
export function sessionCaller(request: FastifyRequest): string | undefined {
  const user = request.session?.user;
  return user && `${user.id}@${request.session.credentialEpoch ?? 0}`;
}
