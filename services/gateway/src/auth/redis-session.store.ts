import { createHash } from 'node:crypto';
import { callbackify } from 'node:util';
import type { SessionStore } from '@fastify/session';
import { ServiceUnavailableException } from '@nestjs/common';
import type { Session } from 'fastify';
import type { Redis } from 'ioredis';
import type { AccountSessions } from './account-sessions.js';

/**
 * `gateway:session:<sha256 of the session id>` → the session as JSON, with a TTL equal to
 * the cookie's remaining lifetime. Only the id's hash is a key name, so a copy of Redis (a
 * backup, a replica, KEYS output) does not hold the ids that would let anyone take over a
 * session; the cookie carries the id, signed.
 */
export const SESSION_KEY_PREFIX = 'gateway:session:';

/** The Redis key of a session id. */
export function sessionKey(sessionId: string): string {
  return `${SESSION_KEY_PREFIX}${createHash('sha256').update(sessionId).digest('hex')}`;
}

/**
 * @fastify/session's store on the gateway's Redis connection, so every gateway replica
 * serves every session. Written here rather than taken from connect-redis: connect-redis 9+
 * supports only node-redis (the platform uses ioredis: one connection factory with TLS,
 * Sentinel and retries), 10 needs Node 22, and 8 loads express-session for a base class;
 * the store contract is three commands. A session that belongs to an account is written by
 * AccountSessions, together with its entry in the account's index, so that the cap on
 * sessions per account holds however many replicas log the account in at once.
 */
export class RedisSessionStore implements SessionStore {
  // @fastify/session calls stores with Node-style callbacks.
  readonly set = callbackify((sessionId: string, session: Session) => this.save(sessionId, session));
  readonly get = callbackify((sessionId: string) => this.load(sessionId));
  readonly destroy = callbackify((sessionId: string) => this.remove(sessionId));

  constructor(
    private readonly redis: Redis,
    /** The longest any session may live, whatever its cookie says. */
    private readonly maxAgeSeconds: number,
    /** Where a logged-in session is written, together with its account's index (the cap). */
    private readonly accountSessions: AccountSessions,
  ) {}

  async save(sessionId: string, session: Session): Promise<void> {
    const ttlSeconds = Math.min(this.maxAgeSeconds, secondsUntil(session.cookie.expires));
    if (ttlSeconds <= 0) return this.remove(sessionId);
    const json = JSON.stringify(session);
    if (session.user) {
      await this.accountSessions.save(session.user.id, sessionId, json, ttlSeconds);
      return;
    }
    await unavailableOnError(this.redis.set(sessionKey(sessionId), json, 'EX', ttlSeconds));
  }

  async load(sessionId: string): Promise<Session | null> {
    const json = await unavailableOnError(this.redis.get(sessionKey(sessionId)));
    return json ? (JSON.parse(json) as Session) : null;
  }

  async remove(sessionId: string): Promise<void> {
    await unavailableOnError(this.redis.del(sessionKey(sessionId)));
  }
}

function secondsUntil(expires: Date | string | null | undefined): number {
  if (!expires) return Number.POSITIVE_INFINITY;
  return Math.ceil((new Date(expires).getTime() - Date.now()) / 1_000);
}

/** While Redis is unreachable a request with a session gets a 503 that names no address. */
export async function unavailableOnError<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (cause) {
    throw new ServiceUnavailableException('the session store is unavailable: Redis is unreachable', { cause });
  }
}
