import { Inject, Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { closeRedis, createRedis, logConnectionTrouble, REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG } from '../gateway.constants.js';
import { CACHE_REDIS } from './products.constants.js';

/**
 * The cache's connection: a Redis of its own when CACHE_REDIS_URL is set (an LRU instance in
 * production), otherwise the service's shared connection.
 */
export const cacheRedisProvider: Provider = {
  provide: CACHE_REDIS,
  inject: [GATEWAY_CONFIG, REDIS],
  useFactory: (config: GatewayConfig, shared: Redis): Redis => {
    if (!config.cacheRedis) return shared;
    return logConnectionTrouble(createRedis(config.cacheRedis, 'command', 'gateway:cache'), new Logger('CacheRedis'), 'cache Redis');
  },
};

/** Closes the cache's own connection, never the shared one (RedisModule closes that). */
@Injectable()
export class CacheRedisCloser implements OnApplicationShutdown {
  constructor(
    @Inject(CACHE_REDIS) private readonly cache: Redis,
    @Inject(REDIS) private readonly shared: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.cache !== this.shared) await closeRedis(this.cache);
  }
}
