import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { HealthModule, type ReadinessCheck, RedisReadiness } from '@platform/health';
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
 * MetricsService, /health/live and /health/ready with Redis in readiness.
 */
export function platformModule(app: Type | DynamicModule, options: PlatformModuleOptions): DynamicModule {
  return {
    module: PlatformRootModule,
    imports: [
      RedisModule.forRoot({ settings: options.redis, clientName: options.service }),
      MetricsModule.forRoot({ service: options.service }),
      HealthModule.forRoot({ readiness: [RedisReadiness, ...(options.readiness ?? [])] }),
      app,
    ],
  };
}
