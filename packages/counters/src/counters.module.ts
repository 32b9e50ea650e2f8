import { type DynamicModule, Global, Module } from '@nestjs/common';
import { COUNTERS_OPTIONS, type CountersOptions } from './counters.constants.js';
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
}
