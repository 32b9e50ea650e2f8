import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type LiveConfigOptions, LiveConfig } from './live-config.js';
import { LIVE_CONFIG_OPTIONS } from './live-config.constants.js';
import { LiveConfigStore } from './live-config.store.js';

@Global()
@Module({})
export class LiveConfigModule {
  /**
   * Provides LiveConfig (the live view every service reads) and LiveConfigStore (reads and
   * writes the document). Needs REDIS (RedisModule) for commands; imported after it, so
   * Nest stops this module's subscriber before the shared connection closes.
   */
  static forRoot(options: LiveConfigOptions): DynamicModule {
    return {
      module: LiveConfigModule,
      providers: [{ provide: LIVE_CONFIG_OPTIONS, useValue: options }, LiveConfigStore, LiveConfig],
      exports: [LiveConfig, LiveConfigStore],
    };
  }
}
