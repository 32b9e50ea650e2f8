import { hostname } from 'node:os';
import type { RedisSettings } from '@platform/redis';
import { z } from 'zod';
import { DEFAULT_KEY_PREFIX, NAME_PATTERN } from './keys.js';

/**
 * How request and event streams are kept bounded, applied by every XADD (approximately, `~`,
 * so Redis trims whole macro-nodes cheaply). Entries trimmed before a group read them are
 * lost to that group: size this to cover the longest outage of a subscriber.
 */
export type StreamTrim =
  /** Keep about this many entries per stream (XADD MAXLEN ~). */
  | { maxLength: number }
  /** Keep entries younger than this, by the producer's clock (XADD MINID ~). */
  | { maxAgeMs: number };

/** Options both sides share; build them from the service's config, they are plain data. */
export interface StreamsCommonOptions {
  /** Where Redis is: URL with auth and db, TLS, Sentinel (the @platform/redis settings). */
  redis: RedisSettings;
  /** Prefix of every key; persisted in Redis, so keep it stable (default `streams`). */
  keyPrefix?: string;
  /** Largest encoded request, event or reply in bytes: refused when sent, set aside when read (default 1 MiB). */
  maxEntryBytes?: number;
  /**
   * An entry pending this long without a heartbeat is taken over by another replica, and a
   * request id stays recorded as running this long past its deadline (default 5000). Give
   * a service and its callers the same value.
   */
  claimIdleMs?: number;
}

/** Options of the server strategy (the consuming side). */
export interface StreamsServerOptions extends StreamsCommonOptions {
  /** The service name; it is the consumer group name (persisted), so each message reaches one replica. */
  service: string;
  /** This replica's name inside the group; must be unique among live replicas (default `<hostname>-<pid>`). */
  consumer?: string;
  /** How long one XREADGROUP waits for new entries before it asks again (default 5000). */
  blockMs?: number;
  /** Most entries read per stream by one XREADGROUP (default 16). */
  batchSize?: number;
  /**
   * Most handlers running at once in this replica, over all its streams, taken-over entries
   * included. The replica reads no more entries than it has free slots, so what it cannot
   * start stays in the stream for another replica (default 64).
   */
  maxInFlight?: number;
  /** After this many deliveries an entry is moved to the dead-letter stream instead of handled (default 5). */
  maxDeliveries?: number;
  /** About how many entries the group's dead-letter stream keeps (default 10000). */
  deadLetterMaxLength?: number;
  /** Dead letters older than this are removed, in ms (default 7 days). */
  deadLetterRetentionMs?: number;
  /** Where a group created on an event stream for the first time starts: only new events, or all kept ones (default `new`). */
  eventsFrom?: 'new' | 'all';
  /** How long close() waits for running handlers before it gives up on them (default 10000). */
  drainTimeoutMs?: number;
}

/** Options of the client proxy (the calling and publishing side). */
export interface StreamsClientOptions extends StreamsCommonOptions {
  /** Names this client's connections and inbox, e.g. the calling service (default `client`). */
  name?: string;
  /** Deadline of a request unless send() is given one; expired requests are not handled (default 5000). */
  requestTimeoutMs?: number;
  /** How request and event streams are trimmed on XADD (default `{ maxLength: 10000 }`). */
  trim?: StreamTrim;
}

const positiveInt = z.number().int().positive();
const name = z.string().regex(NAME_PATTERN, 'letters, digits, ".", "_", ":" or "-", at most 128');
const redisSettings = z.custom<RedisSettings>(
  (value) => typeof value === 'object' && value !== null && typeof (value as { url?: unknown }).url === 'string',
  'redis.url is required',
);

const commonSchema = {
  redis: redisSettings,
  keyPrefix: name.default(DEFAULT_KEY_PREFIX),
  maxEntryBytes: positiveInt.default(1024 * 1024),
  claimIdleMs: positiveInt.min(30).default(5_000),
};

const serverSchema = z.object({
  ...commonSchema,
  service: name,
  consumer: name.default(() => `${hostname()}-${process.pid}`),
  blockMs: positiveInt.default(5_000),
  batchSize: positiveInt.default(16),
  maxInFlight: positiveInt.default(64),
  maxDeliveries: positiveInt.default(5),
  deadLetterMaxLength: positiveInt.default(10_000),
  deadLetterRetentionMs: positiveInt.default(7 * 24 * 3_600_000),
  eventsFrom: z.enum(['new', 'all']).default('new'),
  drainTimeoutMs: positiveInt.default(10_000),
});

const clientSchema = z.object({
  ...commonSchema,
  name: name.default('client'),
  requestTimeoutMs: positiveInt.default(5_000),
  trim: z
    .union([z.object({ maxLength: positiveInt }).strict(), z.object({ maxAgeMs: positiveInt }).strict()])
    .default({ maxLength: 10_000 }),
});

export type ResolvedServerOptions = z.output<typeof serverSchema>;
export type ResolvedClientOptions = z.output<typeof clientSchema>;

function resolve<S extends z.ZodType>(schema: S, input: unknown, side: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`);
  throw new Error(`Invalid Redis Streams ${side} options: ${problems.join('; ')}`);
}

/** The server options with defaults filled in; throws listing every invalid option. */
export function resolveServerOptions(options: StreamsServerOptions): ResolvedServerOptions {
  return resolve(serverSchema, options, 'server');
}

/** The client options with defaults filled in; throws listing every invalid option. */
export function resolveClientOptions(options: StreamsClientOptions): ResolvedClientOptions {
  return resolve(clientSchema, options, 'client');
}

/** The XADD arguments that trim the stream as it grows. */
export function trimArguments(trim: StreamTrim, now = Date.now()): string[] {
  return 'maxLength' in trim
    ? ['MAXLEN', '~', String(trim.maxLength)]
    : ['MINID', '~', `${Math.max(0, now - trim.maxAgeMs)}-0`];
}
