import { type DynamicModule, Global, Module, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.js';
import { ReadinessState } from './readiness-state.js';

@Global()
@Module({})
export class HealthModule {
  /** `/health/live` and `/health/ready`; readiness runs every check in `readiness`. */
  static forRoot({ readiness }: { readiness: Array<Type<ReadinessCheck>> }): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
      controllers: [HealthController],
      providers: [
        ReadinessState,
        ...readiness,
        { provide: READINESS_CHECKS, useFactory: (...checks: ReadinessCheck[]) => checks, inject: readiness },
      ],
      exports: [ReadinessState],
    };
  }
}
