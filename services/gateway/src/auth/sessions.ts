import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { DOCS_PATH } from '@platform/openapi';
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

/**
 * Sessions for the whole gateway (@fastify/session, kept in Redis by RedisSessionStore):
 * - a cookie that is HttpOnly, SameSite=Lax and, with COOKIE_SECURE, Secure;
 * - an absolute lifetime (SESSION_MAX_AGE_SECONDS from login; not extended by activity);
 * - nothing stored for anonymous requests (saveUninitialized: false);
 * - the id is rotated at login (the auth controller calls session.regenerate());
 * - at most `sessions.maxPerAccount` per account (live config): the store writes a logged-in
 *   session through AccountSessions, which ends the oldest beyond it.
 * Registered through bootstrapService's `configure`, before the app listens.
 */
export async function registerSessions(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  const maxAgeSeconds = config.SESSION_MAX_AGE_SECONDS;
  const cookieName = sessionCookieName(config.COOKIE_SECURE);
  await app.register(fastifyCookie);
  // Between the cookie parser and the session plugin (hooks run in the order they are added):
  // probes, scrapes and the API docs never load a session, so a stray cookie cannot make
  // /health/live (or /docs) depend on Redis, and they cost no Redis round trip.
  app.getHttpAdapter().getInstance().addHook('onRequest', (request, _reply, done) => {
    if (isPlatformRoute(request.url)) delete request.cookies[cookieName];
    done();
  });
  await app.register(fastifySession, {
    secret: config.SESSION_SECRET,
    cookieName,
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
  });
}

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

function isPlatformRoute(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return path === '/metrics' || path.startsWith('/health/') || path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`);
}
