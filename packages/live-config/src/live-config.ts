import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import type { ConfigSection, ConfigSectionValues } from '@platform/contracts';
import { MetricsService } from '@platform/metrics';
import { closeRedis, createRedis, type RedisSettings } from '@platform/redis';
import type { Redis } from 'ioredis';
import { type ConfigDocument, ConfigSchema, type ConfigValues, InvalidConfigError } from './config-document.js';
import { configGeneration } from './config-generation.js';
import { CONFIG_CHANNEL, DEFAULT_SECTION_TTL_SECONDS, DEFAULT_VERSION_CHECK_INTERVAL_MS, LIVE_CONFIG_OPTIONS } from './live-config.constants.js';
import { LiveConfigStore } from './live-config.store.js';

export interface LiveConfigOptions {
  /** The service name: its subscriber connection is `<service>:config` in CLIENT LIST. */
  service: string;
  /** Where Redis is; the subscription needs a connection of its own. */
  redis: RedisSettings;
  /** How often the generation is compared with Redis' (repairs a missed signal). */
  versionCheckIntervalMs?: number;
  /** How long this service's sections stay registered without being renewed (renewed every third of it). */
  sectionTtlSeconds?: number;
}

/** Called after a change is applied, with the new and the previous values (of this service's sections). */
export type ConfigChangeListener = (next: ConfigValues, previous: ConfigValues) => void;

/**
 * The service's live view of the central configuration. Reads are synchronous and local
 * (`get` costs a property lookup, nothing goes to Redis); the view follows Redis through:
 * - a pub/sub change signal (a write publishes its generation): applied within milliseconds;
 * - a check every few seconds, which repairs a signal missed while the subscriber was
 *   reconnecting (pub/sub is at-most-once) or a write made without publishing;
 * - a check as soon as the subscriber reconnects.
 * Starts from the defaults when no document exists, or while Redis cannot be read at start.
 *
 * What it applies is decided by content, not by number: the document is applied whenever its
 * generation (a hash of the whole stored document, see configGeneration) differs from the one
 * this replica runs. A version number can come back for other content after Redis lost its
 * last writes (a failover, a restore from backup); comparing numbers then left replicas on the
 * lost content for good. Each replica exports the generation it runs
 * (`live_config_generation_info{generation}`), so one that drifted shows on the dashboard.
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
  private current: ConfigDocument = { version: 0, generation: configGeneration(null), values: this.schema.defaults };
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
  /** The last unusable generation logged, so a bad document is reported once, not every check. */
  private reportedBadGeneration = '';
  private readonly versionGauge;
  private readonly generationGauge;
  private readonly appliedGauge;

  constructor(
    private readonly store: LiveConfigStore,
    @Inject(LIVE_CONFIG_OPTIONS) private readonly options: LiveConfigOptions,
    @Optional() metrics?: MetricsService,
  ) {
    this.versionGauge = metrics?.gauge({ name: 'live_config_version', help: 'Version number of the central configuration this replica applies (0: defaults).' });
    // Replicas of one service showing different generations for more than a few seconds means
    // one stopped following (alert PlatformConfigDrift); equal version numbers cannot tell
    // (see the class comment).
    this.generationGauge = metrics?.gauge({
      name: 'live_config_generation_info',
      help: 'The generation (content hash) of the central configuration this replica applies: 1 for that generation.',
      labelNames: ['generation'],
    });
    this.appliedGauge = metrics?.gauge({
      name: 'live_config_applied_timestamp_seconds',
      help: 'When this replica applied the configuration generation it runs (Unix time).',
    });
    this.exportApplied();
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
    this.current = { ...this.current, values: this.schema.defaults };
  }

  /** The current value of one field of a section this service registered. */
  get<S extends ConfigSection, K extends keyof ConfigSectionValues<S> & string>(section: S, field: K): ConfigSectionValues<S>[K] {
    if (this.sections.get(section.name) !== section) {
      throw new Error(`configuration section ${section.name} is read but not registered by this service (LiveConfigModule.forFeature)`);
    }
    return this.current.values[`${section.name}.${field}`] as ConfigSectionValues<S>[K];
  }

  /** The version number of the document in use (0: defaults, nothing written yet). */
  get version(): number {
    return this.current.version;
  }

  /** The generation (content hash) of the document in use: what decides whether a stored document is applied. */
  get generation(): string {
    return this.current.generation;
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
    this.timer = setInterval(() => void this.checkGeneration(), interval);
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
   * Loads the stored document and applies it if its generation differs from ours. Concurrent
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
    const stored = await this.store.readStored();
    if (stored.generation === this.current.generation) {
      // The same content under another number (rewritten as it was, or after a rollback): nothing to apply.
      if (stored.version !== this.current.version) this.current = { ...this.current, version: stored.version };
      this.versionGauge?.set(this.current.version);
      return;
    }
    let values: ConfigValues;
    try {
      values = stored.document === null ? this.schema.defaults : this.schema.parseStored(stored.document).known;
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error;
      if (stored.generation !== this.reportedBadGeneration) {
        this.reportedBadGeneration = stored.generation;
        this.logger.error(
          `stored configuration ${describeDocument(stored)} is unusable (${error.message}); keeping ${describeDocument(this.current)}`,
        );
      }
      return;
    }
    const previous = this.current;
    this.current = { version: stored.version, generation: stored.generation, values };
    this.exportApplied();
    this.logger.log(`configuration ${describeDocument(this.current)} applied (was ${describeDocument(previous)})`);
    for (const listener of this.listeners) {
      try {
        listener(values, previous.values);
      } catch (error) {
        this.logger.error(`a configuration change listener failed: ${describe(error)}`);
      }
    }
  }

  /** The generation this replica runs, its version number and since when, on /metrics. */
  private exportApplied(): void {
    this.versionGauge?.set(this.current.version);
    this.generationGauge?.reset();
    this.generationGauge?.set({ generation: this.current.generation }, 1);
    this.appliedGauge?.set(Date.now() / 1_000);
  }

  private async checkGeneration(): Promise<void> {
    try {
      const stored = await this.store.readStored();
      if (stored.generation !== this.current.generation && stored.generation !== this.reportedBadGeneration) {
        this.logger.warn(`configuration ${describeDocument(stored)} found by the periodic check (had ${describeDocument(this.current)}): applying`);
        await this.refresh();
      }
    } catch (error) {
      this.logger.debug(`configuration check failed: ${describe(error)}`);
    }
  }

  private subscribe(): void {
    const subscriber = createRedis(this.options.redis, 'blocking', `${this.options.service}:config`);
    this.subscriber = subscriber;
    let connectedBefore = false;
    subscriber.on('ready', () => {
      // Signals published while the subscriber was away are lost: look at the document now.
      // Redis may also have restarted without its data: register the sections again.
      if (connectedBefore) {
        void this.register();
        void this.refresh().catch(() => undefined);
      }
      connectedBefore = true;
    });
    // The message is the written document's generation (a version number from a service of an
    // older build, which never equals a generation): already running it, nothing to read.
    subscriber.on('message', (_channel: string, generation: string) => {
      if (generation === this.current.generation) return;
      this.refresh().catch((error: unknown) => this.logger.warn(`cannot apply configuration generation ${generation}: ${describe(error)}`));
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

/** `generation 3f9c0a1b2c4d (version 7)`, for logs. */
function describeDocument({ generation, version }: { generation: string; version: number }): string {
  return `generation ${generation} (version ${version})`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
