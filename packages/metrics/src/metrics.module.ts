import { type DynamicModule, Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

@Global()
@Module({})
export class MetricsModule {
  /** `/metrics`, and MetricsService for any module that records a metric. */
  static forRoot({ service }: { service: string }): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: MetricsService, useFactory: () => new MetricsService(service) }],
      exports: [MetricsService],
    };
  }
}
