import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from './create-redis.js';
import type { RedisSettings } from './redis-options.js';

/** Injection token of the service's own request-path connection (role `command`). */
export const REDIS = Symbol('REDIS');

/**
 * Closes the connection after the HTTP server and transports have drained (Nest calls
 * onApplicationShutdown last), so in-flight requests keep their Redis until they finish.
 */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.redis);
  }
}

@Global()
@Module({})
export class RedisModule {
  /** Provides REDIS: one shared connection for the whole service, reused by health checks. */
  static forRoot({ settings, clientName }: { settings: RedisSettings; clientName: string }): DynamicModule {
    const logger = new Logger('Redis');
    let lastError = '';
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS,
          useFactory: () => {
            const client = createRedis(settings, 'command', clientName, {
              // ioredis repeats the error on every reconnect attempt; log each new one once.
              onError: (error) => {
                if (error.message === lastError) return;
                lastError = error.message;
                logger.warn(`Redis connection error: ${error.message}`);
              },
            });
            client.on('ready', () => {
              if (lastError) logger.log('Redis connection restored');
              lastError = '';
            });
            return client;
          },
        },
        RedisCloser,
      ],
      exports: [REDIS],
    };
  }
}
