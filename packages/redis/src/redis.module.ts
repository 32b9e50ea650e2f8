import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis, logConnectionTrouble } from './create-redis.js';
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
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS,
          useFactory: () => logConnectionTrouble(createRedis(settings, 'command', clientName), new Logger('Redis'), 'Redis connection'),
        },
        RedisCloser,
      ],
      exports: [REDIS],
    };
  }
}
