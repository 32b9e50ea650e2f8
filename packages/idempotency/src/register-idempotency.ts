import { STATUS_CODES } from 'node:http';
import { identifyOperation } from '@platform/deadlines';
import { addRouteHook } from '@platform/http';
import type { MetricsService } from '@platform/metrics';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { keepsAnswer, REPLAYED_HEADERS } from './answer-policy.js';
import { type CallerOf, callerScope } from './caller-scope.js';
import { recordKey, requestFingerprint } from './fingerprint.js';
import { KEY_RULE, readIdempotencyKey, REPLAYED_HEADER } from './idempotency-key.js';
import { type CountOutcome, idempotencyOutcomes } from './idempotency-metrics.js';
import { type Claim, type ClaimOutcome, IdempotencyStore, type StoredAnswer } from './idempotency-store.js';
import { takesIdempotencyKey } from './skip-idempotency.decorator.js';

export interface IdempotencyOptions {
  /**
   * A connection of role `command` (createRedis from @platform/redis, or the service's REDIS):
   * its command timeout is what makes a Redis outage a quick 503 instead of a hung request.
   */
  redis: Redis;
  /** The records' key prefix, in the service's own namespace (`<service>:idempotency:`). */
  keyPrefix: string;
  /** How long an answer is kept and replayed: the key's validity, which clients must be told. */
  ttlSeconds: number;
  /**
   * How long a claim holds a key without being renewed: what a crashed replica costs a key
   * (retries get 409 until then). Renewed every half lease while the request runs, so a slow
   * request keeps its key; make it longer than the usual request (e.g. its downstream deadline).
   */
  leaseMs: number;
  /** Who the caller is when the app knows (a session's account); the client address otherwise. */
  callerOf?: CallerOf;
  /** Counts every outcome in `http_idempotency_requests_total`. */
  metrics?: MetricsService;
}

/** A key the request claimed and the timer that renews the claim until the answer is out. */
interface HeldKey {
  claim: Claim;
  renewal: NodeJS.Timeout;
}

/**
 * Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) on every POST, PUT, PATCH and
 * DELETE route of `fastify`, Nest controllers and plain Fastify plugins alike, unless a route
 * is marked @SkipIdempotency. Call it before the routes are registered (bootstrapService's
 * `configure` is): each such route gets three hooks of its own, and no other route pays
 * anything, nor does a request without the header beyond reading it.
 *
 * Written for the platform rather than taken from npm: the packages there (node-idempotency,
 * express-idempotency) keep the in-flight marker for the whole retention time (a crashed
 * replica locks a key for a day), key records by method and URL only (one caller can be
 * served another's answer), store every answer including 503s, and speak node-redis rather
 * than the platform's ioredis connections (TLS, Sentinel, command timeouts).
 */
export function registerIdempotency(fastify: FastifyInstance, options: IdempotencyOptions): void {
  if (typeof options.redis.options.commandTimeout !== 'number') {
    throw new Error('registerIdempotency needs a Redis connection with a command timeout (role "command"): without it a Redis outage hangs requests');
  }
  if (!(options.leaseMs >= 100 && options.ttlSeconds >= 1)) throw new Error('registerIdempotency: leaseMs must be at least 100 and ttlSeconds at least 1');
  const requests = new IdempotentRequests(options);
  fastify.addHook('onRoute', (route) => {
    if (!takesIdempotencyKey(route.method, route.config as Record<string, unknown> | undefined)) return;
    addRouteHook(route, 'preHandler', requests.beforeHandler);
    addRouteHook(route, 'onSend', requests.beforeSend);
    addRouteHook(route, 'onResponse', requests.afterResponse);
  });
}

/**
 * The three steps of a request with a key:
 * 1. before the handler: read the key, claim it in Redis (one round trip), or answer without
 *    running the route: the stored answer, 409 while the first request runs, 422 for another
 *    request, 400 for a bad key, 503 when Redis does not answer;
 * 2. as the answer leaves: store it in place of the claim, or release the key (see keepsAnswer),
 *    sent before the answer and not awaited (see beforeSend);
 * 3. after the answer: release a claim step 2 did not settle (a reply that skipped onSend).
 */
class IdempotentRequests {
  private readonly store: IdempotencyStore;
  private readonly held = new WeakMap<FastifyRequest, HeldKey>();
  private readonly count: CountOutcome;

  constructor(private readonly options: IdempotencyOptions) {
    this.store = new IdempotencyStore(options.redis);
    this.count = idempotencyOutcomes(options.metrics);
  }

  readonly beforeHandler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const read = readIdempotencyKey(request.headers['idempotency-key']);
    if (read === undefined) return undefined;
    if (!read.valid) {
      this.count(request, 'invalid_key');
      return refuse(reply, 400, `Idempotency-Key must be ${KEY_RULE}`);
    }
    const key = recordKey(this.options.keyPrefix, callerScope(request, this.options.callerOf), read.key);
    const fingerprint = requestFingerprint(request);
    let found: ClaimOutcome;
    try {
      found = await this.store.claim(key, fingerprint, this.options.leaseMs);
    } catch (error) {
      request.log.warn({ err: error }, 'idempotency: the claim of a key failed');
      this.count(request, 'store_unavailable');
      return refuse(reply, 503, 'the idempotency store is unavailable (Redis is unreachable); nothing was done: retry with the same Idempotency-Key');
    }
    if (found.outcome === 'claimed') {
      this.hold(request, found.claim);
      // The route's calls to services get request ids derived from the key: its retry (after
      // a 504, whose key was released) sends the same requests, and each service answers with
      // its first reply instead of running them again. Kept as long as the key is.
      identifyOperation(key, this.options.ttlSeconds * 1_000);
      return undefined;
    }
    if (found.fingerprint !== fingerprint) {
      this.count(request, 'mismatch');
      return refuse(reply, 422, 'this Idempotency-Key was already used for a different request (another route or another body); nothing was done: use a new key for a new request');
    }
    if (found.outcome === 'in-flight') {
      this.count(request, 'in_progress');
      void reply.header('retry-after', String(Math.max(1, Math.ceil(found.leaseLeftMs / 1_000))));
      return refuse(reply, 409, 'a request with this Idempotency-Key is still in progress; nothing was done: retry after it completes');
    }
    this.count(request, 'replayed');
    return replay(reply, found.answer);
  };

  /**
   * Not awaited: the answer leaves without waiting for Redis, so a key costs one round trip
   * on the request's path (the claim), not two. Safe because the store is sent before the
   * answer, on the connection every later claim of this replica uses, and Redis runs a
   * connection's commands in order: a retry through this replica finds the answer stored.
   * Through another replica, in the moment before it lands, a retry gets 409 with Retry-After;
   * and should the store fail, the claim's lease runs out and the retry runs again, its
   * calls answered from the services' memory (their request ids come from the key).
   */
  readonly beforeSend = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void => {
    const held = this.letGo(request);
    if (held) this.settle(request, held, reply, payload);
    done(null, payload);
  };

  /** Stores the answer in place of the claim, or releases the key (see keepsAnswer), and counts what happened. */
  private settle(request: FastifyRequest, held: HeldKey, reply: FastifyReply, payload: unknown): void {
    const keep = keepsAnswer(reply.statusCode);
    const answer = keep ? answerOf(reply, payload) : undefined;
    if (keep && !answer) request.log.warn('idempotency: a streamed answer cannot be stored; the key is released (mark the route @SkipIdempotency)');
    const settled = answer ? this.store.complete(held.claim, answer, this.options.ttlSeconds) : this.store.release(held.claim);
    settled.then(
      (done) => {
        if (!done) request.log.warn('idempotency: the lease of a key ran out before its answer; the answer is not stored');
        this.count(request, !done ? 'store_failed' : answer ? 'stored' : 'released');
      },
      (error: unknown) => {
        // The answer went out anyway: the client is owed it. A retry after the lease runs again.
        request.log.warn({ err: error }, 'idempotency: storing an answer failed');
        this.count(request, 'store_failed');
      },
    );
  }

  readonly afterResponse = async (request: FastifyRequest): Promise<void> => {
    const held = this.letGo(request);
    if (!held) return;
    await this.store.release(held.claim).catch((error: unknown) => request.log.warn({ err: error }, 'idempotency: releasing a key failed'));
  };

  private hold(request: FastifyRequest, claim: Claim): void {
    const { leaseMs } = this.options;
    const renewal = setInterval(() => {
      this.store.renew(claim, leaseMs).then(
        (renewed) => {
          if (!renewed) request.log.warn('idempotency: a key was lost while its request ran (its lease had run out)');
        },
        (error: unknown) => request.log.warn({ err: error }, 'idempotency: renewing a lease failed'),
      );
    }, leaseMs / 2);
    // A long request must not keep a stopping process alive for its renewals' sake.
    renewal.unref();
    this.held.set(request, { claim, renewal });
  }

  /** The key the request held, no longer renewed; undefined when it held none (or was settled). */
  private letGo(request: FastifyRequest): HeldKey | undefined {
    const held = this.held.get(request);
    if (!held) return undefined;
    this.held.delete(request);
    clearInterval(held.renewal);
    return held;
  }
}

/** The platform's error body ({statusCode, error, message}), from a hook before any handler. */
function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ statusCode: status, error: STATUS_CODES[status], message });
}

function replay(reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  void reply.code(answer.status).headers(answer.headers).header(REPLAYED_HEADER, 'true');
  if (answer.body === '') return reply.send();
  return reply.send(answer.base64 ? Buffer.from(answer.body, 'base64') : answer.body);
}

/** The answer as it leaves (after serialization); undefined for a stream, whose bytes are not here. */
function answerOf(reply: FastifyReply, payload: unknown): StoredAnswer | undefined {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  const status = reply.statusCode;
  if (payload === undefined || payload === null) return { status, headers, body: '' };
  if (typeof payload === 'string') return { status, headers, body: payload };
  if (Buffer.isBuffer(payload)) return { status, headers, body: payload.toString('base64'), base64: true };
  return undefined;
}
