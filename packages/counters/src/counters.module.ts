import { type DynamicModule, Global, Inject, Injectable, Module } from '@nestjs/common';
import type { CounterContract } from '@platform/contracts';
import { COUNTERS_FEATURE, COUNTERS_OPTIONS, type CountersOptions } from './counters.constants.js';
import { Counters } from './counters.js';

@Global()
@Module({})
export class CountersModule {
  /** Provides Counters. Needs REDIS, and must be imported after RedisModule (see Counters). */
  static forRoot(options: CountersOptions): DynamicModule {
    return {
      module: CountersModule,
      providers: [{ provide: COUNTERS_OPTIONS, useValue: options }, Counters],
      exports: [Counters],
    };
  }

  /**
   * Declares the counters a feature module counts, so they are exported (an unlabelled one
   * as 0) from the service's start rather than from their first increment.
   */
  static forFeature(counters: readonly CounterContract[]): DynamicModule {
    return { module: CountersFeatureModule, providers: [{ provide: COUNTERS_FEATURE, useValue: counters }, CountersDeclaration] };
  }
}

@Module({})
class CountersFeatureModule {}

/** Declares a feature module's counters when the module is created. */
@Injectable()
class CountersDeclaration {
  constructor(counters: Counters, @Inject(COUNTERS_FEATURE) declared: readonly CounterContract[]) {
    counters.declare(...declared);
  }
}
