import { type DynamicModule, Global, Inject, Injectable, Module } from '@nestjs/common';
import type { ConfigSection } from '@platform/contracts';
import { type LiveConfigOptions, LiveConfig } from './live-config.js';
import { CONFIG_SECTIONS, LIVE_CONFIG_OPTIONS } from './live-config.constants.js';
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

  /**
   * Registers the configuration sections a feature module reads: LiveConfig validates and
   * serves them, and keeps them registered in Redis for the admin API while the service runs.
   */
  static forFeature(sections: readonly ConfigSection[]): DynamicModule {
    return { module: LiveConfigFeatureModule, providers: [{ provide: CONFIG_SECTIONS, useValue: sections }, ConfigSectionsDeclaration] };
  }
}

@Module({})
class LiveConfigFeatureModule {}

/** Adds a feature module's sections to LiveConfig when the module is created (before the app starts). */
@Injectable()
class ConfigSectionsDeclaration {
  constructor(live: LiveConfig, @Inject(CONFIG_SECTIONS) sections: readonly ConfigSection[]) {
    live.addSections(...sections);
  }
}
