/**
 * Where the central configuration lives in Redis. These names are persisted (every service
 * reads them, an operator may inspect them with redis-cli): rename only with a migration.
 *
 * - `platform:config` — a hash with two fields: `version` (an integer, incremented by every
 *   write) and `document` (the JSON of the whole validated PlatformConfig).
 * - `platform:config:changed` — the pub/sub channel a write publishes its new version on.
 */
export const CONFIG_KEY = 'platform:config';
export const CONFIG_CHANNEL = 'platform:config:changed';

/** Injection token of LiveConfigModule's options. */
export const LIVE_CONFIG_OPTIONS = Symbol('LIVE_CONFIG_OPTIONS');

/** How often a service compares its version with Redis', repairing a missed change signal. */
export const DEFAULT_VERSION_CHECK_INTERVAL_MS = 2_000;
