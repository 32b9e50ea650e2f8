import type { RedisOptions } from '@nestjs/microservices';
import { connectionOptionsFromUrl, type RedisSettings } from '@platform/redis';

export type NestRedisOptions = NonNullable<RedisOptions['options']>;

/**
 * Options for Nest's own Redis transport (ClientRedis / ServerRedis). Nest replaces ioredis'
 * retryStrategy with its own retryAttempts/retryDelay pair and gives up when the attempts
 * run out, so the attempts are set to "forever": a transport that stops reconnecting after
 * an outage would need a restart, which the platform promises never to need.
 */
export function nestRedisOptions(settings: RedisSettings, clientName: string): NestRedisOptions {
  const { retryStrategy: _replacedByNest, ...connection } = connectionOptionsFromUrl(settings);
  return {
    ...connection,
    connectionName: clientName,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    retryDelay: 500,
    // Subscriptions are restored by ioredis after a reconnect.
    autoResubscribe: true,
    maxRetriesPerRequest: 1,
  };
}
