import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { CountersModule } from '@platform/counters';
import { HealthModule, type ReadinessCheck, RedisReadiness } from '@platform/health';
import { LiveConfigModule } from '@platform/live-config';
import { MetricsModule } from '@platform/metrics';
import { type RedisSettings, RedisModule } from '@platform/redis';

export interface PlatformModuleOptions {
  service: string;
  redis: RedisSettings;
  /** Readiness checks besides Redis (queues, downstream transports). */
  readiness?: Array<Type<ReadinessCheck>>;
}

@Module({})
class PlatformRootModule {}

/**
 * What every service has around its own modules: its Redis connection (REDIS), /metrics and
 * MetricsService, /health/live and /health/ready with Redis in readiness, the live central
 * configuration (LiveConfig) and the Redis-kept business counters (Counters).
 */
export function platformModule(app: Type | DynamicModule, options: PlatformModuleOptions): DynamicModule {
  return {
    module: PlatformRootModule,
    imports: [
      RedisModule.forRoot({ settings: options.redis, clientName: options.service }),
      // After RedisModule: Nest stops global modules in reverse import order, so these flush
      // their last counters and close their subscriber while REDIS is still open.
      LiveConfigModule.forRoot({ service: options.service, redis: options.redis }),
      CountersModule.forRoot({ service: options.service }),
      MetricsModule.forRoot({ service: options.service }),
      HealthModule.forRoot({ readiness: [RedisReadiness, ...(options.readiness ?? [])] }),
      app,
    ],
  };
}
