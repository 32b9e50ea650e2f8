import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';

/** Where Redis is and how to authenticate: the parsed env of @platform/config's commonEnv. */
export interface RedisSettings {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** When set, the primary is found through these Sentinels and `url` gives auth and db only. */
  sentinels?: ReadonlyArray<{ host: string; port: number }> | undefined;
  sentinelName?: string | undefined;
  sentinelPassword?: string | undefined;
  /** PEM bundle of a private CA for rediss://. */
  tlsCaFile?: string | undefined;
}

/**
 * What a connection is used for decides how it behaves while Redis is unreachable:
 * - `command`: request-path commands (cache, sessions, counters, queue producers). They fail
 *   fast (one reconnect attempt, 2 s command timeout) so an HTTP request can answer 503 within
 *   its timeout instead of hanging.
 * - `blocking`: subscribers, stream consumers and BullMQ workers. Their commands wait for the
 *   connection to come back (`maxRetriesPerRequest: null`, which BullMQ requires for workers)
 *   and block on purpose, so there is no command timeout.
 */
export type RedisRole = 'command' | 'blocking';

const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * Reconnects forever, backing off exponentially to 2 s with ±20% jitter, so a fleet of
 * replicas does not reconnect in lockstep after an outage.
 */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * After a Sentinel failover the old primary answers writes with READONLY until the client
 * reconnects: reconnect and resend the command to the new primary.
 */
export function reconnectOnReadOnly(error: Error): boolean | 2 {
  return error.message.startsWith('READONLY') ? 2 : false;
}

function decode(part: string): string | undefined {
  return part ? decodeURIComponent(part) : undefined;
}

/** Splits a redis:// URL into ioredis options (host, port, username, password, db, tls). */
export function connectionOptionsFromUrl(settings: RedisSettings): RedisOptions {
  const url = new URL(settings.url);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw new Error('REDIS_URL: the path must be a database number');
  const tls =
    url.protocol === 'rediss:'
      ? { ...(settings.tlsCaFile ? { ca: readFileSync(settings.tlsCaFile) } : {}), servername: url.hostname }
      : undefined;
  const auth = { username: decode(url.username), password: decode(url.password), db };

  if (settings.sentinels?.length) {
    // With TLS, Sentinel speaks TLS too: `sentinelTLS` for the Sentinel connections (checked
    // against each Sentinel's own host name), `tls` for the data nodes Sentinel names.
    const sentinelTLS = tls ? (settings.tlsCaFile ? { ca: tls.ca } : {}) : undefined;
    return {
      ...auth,
      sentinels: settings.sentinels.map(({ host, port }) => ({ host, port })),
      name: settings.sentinelName ?? 'mymaster',
      sentinelPassword: settings.sentinelPassword,
      role: 'master',
      ...(tls ? { tls, sentinelTLS, enableTLSForSentinelMode: true } : {}),
    };
  }
  return { ...auth, host: url.hostname, port: url.port ? Number(url.port) : 6379, ...(tls ? { tls } : {}) };
}

/** Full ioredis options for a connection of `role`, named `<client>:<role>` in CLIENT LIST. */
export function redisOptions(settings: RedisSettings, role: RedisRole, clientName: string): RedisOptions {
  return {
    ...connectionOptionsFromUrl(settings),
    connectionName: `${clientName}:${role}`,
    retryStrategy: reconnectDelay,
    reconnectOnError: reconnectOnReadOnly,
    // Sentinel replies with the new primary's address; keep asking through an outage too.
    sentinelRetryStrategy: reconnectDelay,
    enableReadyCheck: true,
    connectTimeout: 5_000,
    ...(role === 'command'
      ? { maxRetriesPerRequest: 1, commandTimeout: 2_000 }
      : { maxRetriesPerRequest: null }),
  };
}
