import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import type { ConfigSection, ConfigSectionValues } from '@platform/contracts';
import { MetricsService } from '@platform/metrics';
import { closeRedis, createRedis, type RedisSettings } from '@platform/redis';
import type { Redis } from 'ioredis';
import { type ConfigDocument, ConfigSchema, type ConfigValues, InvalidConfigError } from './config-document.js';
import { CONFIG_CHANNEL, DEFAULT_SECTION_TTL_SECONDS, DEFAULT_VERSION_CHECK_INTERVAL_MS, LIVE_CONFIG_OPTIONS } from './live-config.constants.js';
import { LiveConfigStore } from './live-config.store.js';

export interface LiveConfigOptions {
  /** The service name: its subscriber connection is `<service>:config` in CLIENT LIST. */
  service: string;
  /** Where Redis is; the subscription needs a connection of its own. */
  redis: RedisSettings;
  /** How often the version is compared with Redis' (repairs a missed signal). */
  versionCheckIntervalMs?: number;
  /** How long this service's sections stay registered without being renewed (renewed every third of it). */
  sectionTtlSeconds?: number;
}

/** Called after a change is applied, with the new and the previous values (of this service's sections). */
export type ConfigChangeListener = (next: ConfigValues, previous: ConfigValues) => void;

/**
 * The service's live view of the central configuration. Reads are synchronous and local
 * (`get` costs a property lookup, nothing goes to Redis); the view follows Redis through:
 * - a pub/sub change signal (a write publishes its version): applied within milliseconds;
 * - a version check every few seconds, which repairs a signal missed while the subscriber
 *   was reconnecting (pub/sub is at-most-once) or a write made without publishing;
 * - a check as soon as the subscriber reconnects.
 * Starts from the defaults when no document exists, or while Redis cannot be read at start.
 *
 * It holds the sections this service reads (LiveConfigModule.forFeature), validated with
 * their zod schemas; keys of other sections in the document are not its business. It also
 * keeps those sections registered in Redis, which is how the admin API learns them.
 */
@Injectable()
export class LiveConfig implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LiveConfig.name);
  private readonly sections = new Map<string, ConfigSection>();
  private schema = ConfigSchema.of([]);
  private current: ConfigDocument = { version: 0, values: this.schema.defaults };
  private started = false;
  private registering: Promise<void> | undefined;
  private registerTimer: NodeJS.Timeout | undefined;
  /** The last registration failure logged, so an outage is reported once. */
  private registerError = '';
  private readonly listeners = new Set<ConfigChangeListener>();
  private subscriber: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  /** The last unusable version logged, so a bad document is reported once, not every check. */
  private reportedBadVersion = -1;
  private readonly versionGauge;

  constructor(
    private readonly store: LiveConfigStore,
    @Inject(LIVE_CONFIG_OPTIONS) private readonly options: LiveConfigOptions,
    @Optional() metrics?: MetricsService,
  ) {
    // Replicas showing different versions for more than a few seconds means one stopped following.
    this.versionGauge = metrics?.gauge({ name: 'live_config_version', help: 'Version of the central configuration this replica applies (0: defaults).' });
    this.versionGauge?.set(0);
  }

  /**
   * Adds sections this service reads (LiveConfigModule.forFeature does it while the app is
   * created); their defaults apply until a stored document is read at start.
   */
  addSections(...sections: ConfigSection[]): void {
    if (this.started) throw new Error('configuration sections are added before the application starts (LiveConfigModule.forFeature)');
    for (const section of sections) {
      const known = this.sections.get(section.name);
      if (known && known !== section) throw new Error(`two different configuration sections are named ${section.name}`);
      this.sections.set(section.name, section);
    }
    this.schema = ConfigSchema.of([...this.sections.values()]);
    this.current = { version: 0, values: this.schema.defaults };
  }

  /** The current value of one field of a section this service registered. */
  get<S extends ConfigSection, K extends keyof ConfigSectionValues<S> & string>(section: S, field: K): ConfigSectionValues<S>[K] {
    if (this.sections.get(section.name) !== section) {
      throw new Error(`configuration section ${section.name} is read but not registered by this service (LiveConfigModule.forFeature)`);
    }
    return this.current.values[`${section.name}.${field}`] as ConfigSectionValues<S>[K];
  }

  /** The version of the document in use (0: defaults, nothing written yet). */
  get version(): number {
    return this.current.version;
  }

  /** Every key of this service's sections and its current value (frozen). */
  snapshot(): ConfigValues {
    return this.current.values;
  }

  /** Calls `listener` after every applied change; returns a function that unsubscribes it. */
  onChange(listener: ConfigChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onModuleInit(): Promise<void> {
    this.started = true;
    await this.register();
    const ttlSeconds = this.options.sectionTtlSeconds ?? DEFAULT_SECTION_TTL_SECONDS;
    this.registerTimer = setInterval(() => void this.register(), (ttlSeconds * 1_000) / 3);
    this.registerTimer.unref();
    this.subscribe();
    try {
      await this.refresh();
    } catch (error) {
      this.logger.warn(`cannot read the configuration yet (${describe(error)}); starting with the defaults until Redis answers`);
    }
    const interval = this.options.versionCheckIntervalMs ?? DEFAULT_VERSION_CHECK_INTERVAL_MS;
    this.timer = setInterval(() => void this.checkVersion(), interval);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.registerTimer);
    await this.registering;
    if (this.subscriber) await closeRedis(this.subscriber);
    await this.refreshing?.catch(() => undefined);
  }

  /**
   * Loads the stored document and applies it if its version differs from ours. Concurrent
   * requests (a signal during a periodic check) are merged into one read plus, if one came in
   * while reading, one more, so an older read can never be applied after a newer one.
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.loadAndApply();
        } while (this.refreshAgain);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /**
   * Registers (renews) this service's sections in Redis; a failure is logged once and retried
   * at the next renewal, the sections staying registered meanwhile until their expiry.
   */
  private register(): Promise<void> {
    if (this.sections.size === 0) return Promise.resolve();
    this.registering ??= this.store
      .registerSections(this.options.service, [...this.sections.values()], this.options.sectionTtlSeconds ?? DEFAULT_SECTION_TTL_SECONDS)
      .then(() => {
        if (this.registerError) this.logger.log('configuration sections are registered again');
        this.registerError = '';
      })
      .catch((error: unknown) => {
        const message = describe(error);
        if (message !== this.registerError) this.logger.warn(`cannot register the configuration sections (${message}); retrying`);
        this.registerError = message;
      })
      .finally(() => {
        this.registering = undefined;
      });
    return this.registering;
  }

  private async loadAndApply(): Promise<void> {
    let document: ConfigDocument;
    try {
      const stored = await this.store.readStored();
      document = { version: stored.version, values: stored.document === null ? this.schema.defaults : this.schema.parseStored(stored.document).known };
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error;
      const version = await this.store.readVersion();
      if (version !== this.reportedBadVersion) {
        this.reportedBadVersion = version;
        this.logger.error(`stored configuration version ${version} is unusable (${error.message}); keeping version ${this.current.version}`);
      }
      return;
    }
    if (document.version === this.current.version) return;
    const previous = this.current;
    this.current = document;
    this.versionGauge?.set(document.version);
    this.logger.log(`configuration version ${document.version} applied (was ${previous.version})`);
    for (const listener of this.listeners) {
      try {
        listener(document.values, previous.values);
      } catch (error) {
        this.logger.error(`a configuration change listener failed: ${describe(error)}`);
      }
    }
  }

  private async checkVersion(): Promise<void> {
    try {
      const stored = await this.store.readVersion();
      if (stored !== this.current.version && stored !== this.reportedBadVersion) {
        this.logger.warn(`configuration version ${stored} found by the periodic check (had ${this.current.version}): applying`);
        await this.refresh();
      }
    } catch (error) {
      this.logger.debug(`configuration version check failed: ${describe(error)}`);
    }
  }

  private subscribe(): void {
    const subscriber = createRedis(this.options.redis, 'blocking', `${this.options.service}:config`);
    this.subscriber = subscriber;
    let connectedBefore = false;
    subscriber.on('ready', () => {
      // Signals published while the subscriber was away are lost: look at the version now.
      // Redis may also have restarted without its data: register the sections again.
      if (connectedBefore) {
        void this.register();
        void this.refresh().catch(() => undefined);
      }
      connectedBefore = true;
    });
    subscriber.on('message', (_channel: string, version: string) => {
      if (Number(version) === this.current.version) return;
      this.refresh().catch((error: unknown) => this.logger.warn(`cannot apply configuration version ${version}: ${describe(error)}`));
    });
    subscriber
      .subscribe(CONFIG_CHANNEL)
      // A write published before the subscription took effect sent its signal to nobody.
      .then(() => this.refresh())
      .catch((error: unknown) => {
        this.logger.warn(`cannot subscribe to ${CONFIG_CHANNEL}: ${describe(error)}`);
      });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
