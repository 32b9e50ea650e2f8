import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { CountersModule } from '@platform/counters';
import { HealthModule, type ReadinessCheck, RedisReadiness } from '@platform/health';
import { LiveConfigModule } from '@platform/live-config';
import { MetricsModule } from '@platform/metrics';
import { type RedisSettings, RedisModule } from '@platform/redis';
import { type HandledContracts, HandledContractsModule } from '@platform/transport';

export interface PlatformModuleOptions {
  service: string;
  redis: RedisSettings;
  /** Readiness checks besides Redis (queues, downstream transports). */
  readiness?: Array<Type<ReadinessCheck>>;
  /** The contracts the service answers and subscribes to (see BootstrapOptions.handles). */
  handles?: readonly HandledContracts[];
}

@Module({})
class PlatformRootModule {}

/**
 * What every service has around its own modules: its Redis connection (REDIS), /metrics and
 * MetricsService, /health/live and /health/ready with Redis in readiness, the live central
 * configuration (LiveConfig), the Redis-kept business counters (Counters), and the check that
 * every contract the service handles has exactly one handler.
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
      // Always, so a handler the service forgot to list fails its start too.
      HandledContractsModule.forService({ service: options.service, handles: options.handles ?? [] }),
      app,
    ],
  };
}
