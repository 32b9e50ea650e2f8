import { randomBytes } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { createRedis, type CreateRedisOptions, type RedisRole, type RedisSettings } from '@platform/redis';
import type { Redis } from 'ioredis';
import { untraced } from './trace.js';

/** Connection states the server and the client report on Nest's `status` observable. */
export type StreamsStatus = 'connected' | 'reconnecting' | 'disconnected';

/** One warning per connection per this interval while Redis is unreachable, not one per retry. */
const ERROR_LOG_INTERVAL_MS = 10_000;

export interface Connection {
  redis: Redis;
  /** The name in CLIENT LIST (`<name>:<role>`), unique per connection. */
  name: string;
}

/**
 * A connection from @platform/redis (URL auth, TLS, Sentinel, reconnect), with throttled error
 * logs; `options` are createRedis' own (write batching, resending unanswered commands).
 */
export function openConnection(
  settings: RedisSettings,
  role: RedisRole,
  purpose: string,
  logger: LoggerService,
  options: Pick<CreateRedisOptions, 'batchWrites' | 'resendUnanswered'> = {},
): Connection {
  // A random tag keeps names unique when one process runs several servers or clients.
  const clientName = `${purpose}:${randomBytes(3).toString('hex')}`;
  let lastLogged = 0;
  const redis = createRedis(settings, role, clientName, {
    ...options,
    onError: (error) => {
      const now = Date.now();
      if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
      lastLogged = now;
      logger.warn(`Redis connection ${clientName}:${role}: ${error.message} (reconnecting)`);
    },
  });
  untraced(redis);
  return { redis, name: `${clientName}:${role}` };
}
