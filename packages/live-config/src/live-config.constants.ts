/**
 * Where the central configuration lives in Redis. These names are persisted (every service
 * reads them, an operator may inspect them with redis-cli): rename only with a migration.
 *
 * - `platform:config` — a hash with two fields: `version` (an integer, incremented by every
 *   write) and `document` (the JSON of the whole validated document, `{"<section>.<field>": value}`).
 *   The document's generation (configGeneration) is computed from `document`, never stored.
 * - `platform:config:changed` — the pub/sub channel a write publishes its new generation on.
 * - `platform:config:sections` — a set: the name of every section ever registered.
 * - `platform:config:section:<name>` — a string, the JSON `{"service": ..., "schema": <JSON Schema>}`
 *   of a section, set by every running service that reads it with an expiry it keeps renewing:
 *   a section exists for the admin API while one of its services runs.
 */
export const CONFIG_KEY = 'platform:config';
export const CONFIG_CHANNEL = 'platform:config:changed';
export const CONFIG_SECTIONS_KEY = 'platform:config:sections';
export const configSectionKey = (name: string): string => `platform:config:section:${name}`;

/** Injection token of LiveConfigModule's options. */
export const LIVE_CONFIG_OPTIONS = Symbol('LIVE_CONFIG_OPTIONS');
/** Injection token of the sections a LiveConfigModule.forFeature registers. */
export const CONFIG_SECTIONS = Symbol('CONFIG_SECTIONS');

/**
 * How often a service compares the generation of the stored document with the one it runs,
 * repairing a missed change signal (the name is older than generations).
 */
export const DEFAULT_VERSION_CHECK_INTERVAL_MS = 2_000;

/**
 * How long a section stays registered after its last service stopped renewing it; a running
 * service renews its sections every third of this.
 */
export const DEFAULT_SECTION_TTL_SECONDS = 30;
