import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { registerIdempotency } from '@platform/idempotency';
import { MetricsService } from '@platform/metrics';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { sessionCaller } from '../auth/sessions.js'; // @example
import type { GatewayConfig } from '../config.js';

/** The gateway's idempotency records: `gateway:idempotency:<sha256 of caller and key>`. */
export const IDEMPOTENCY_KEY_PREFIX = 'gateway:idempotency:';

/**
 * Idempotency-Key on every POST, PUT, PATCH and DELETE route of the gateway, its controllers
 * and Bull Board alike (@platform/idempotency; a route opts out with @SkipIdempotency). Called
 * from bootstrapService's `configure`, before Nest registers the routes.
 *
 * A key belongs to its caller: the client address (clientAddress: request.ip as TRUST_PROXY
 * allows, canonical), or the account of a logged-in session, together with the Authorization
 * header. The records live on REDIS, the gateway's `command` connection: while Redis is down a
 * request with a key gets a 503 within its 2 s command timeout, as a session lookup does.
 */
export function registerIdempotencyKeys(app: NestFastifyApplication, config: GatewayConfig): void {
  registerIdempotency(app.getHttpAdapter().getInstance(), {
    redis: app.get<symbol, Redis>(REDIS),
    keyPrefix: IDEMPOTENCY_KEY_PREFIX,
    ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    // A route waits at most RPC_TIMEOUT_MS for each downstream call, and most make one: the
    // lease covers that and the Redis round trips around it. It is renewed while a request
    // runs longer, so it only bounds how long a crashed replica's keys answer 409.
    leaseMs: config.RPC_TIMEOUT_MS + 2_000,
    callerOf: sessionCaller, // @example: a logged-in caller's keys are its account's (at its credential epoch), from any address
    metrics: config.METRICS_ENABLED ? app.get(MetricsService) : undefined,
  });
}
