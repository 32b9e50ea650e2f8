export interface CountersOptions {
  /** The service name (for logs). */
  service: string;
  /** How long increments are aggregated in memory before one batch goes to Redis. */
  flushIntervalMs?: number;
}

/** Injection token of CountersModule's options. */
export const COUNTERS_OPTIONS = Symbol('COUNTERS_OPTIONS');

/** Half a second: a scrape (every 15 s or more) always sees totals at most this old. */
export const DEFAULT_FLUSH_INTERVAL_MS = 500;

/** Injection token of the counters a CountersModule.forFeature declares. */
export const COUNTERS_FEATURE = Symbol('COUNTERS_FEATURE');
