import { z } from 'zod';

/** A TCP port number, from a string. */
export const port = () => z.coerce.number().int().min(1).max(65535);

/** A positive whole number of milliseconds (or any count), from a string. */
export const positiveInt = () => z.coerce.number().int().positive();

/** `true`/`false` (also 1/0, yes/no, on/off), from a string. */
export const bool = () => z.stringbool();

/** A comma-separated list of non-empty strings. */
export const list = () =>
  z
    .string()
    .transform((raw) => raw.split(',').map((part) => part.trim()).filter(Boolean));

export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** A `redis://` or `rediss://` URL, optionally with `user:password@` and a `/db` path. */
export const redisUrl = () =>
  z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' });

/** `host:port,host:port` Sentinel addresses. */
export const hostPortList = () =>
  z.string().transform((raw, ctx) =>
    raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((entry) => {
        const match = /^(.+):(\d{1,5})$/.exec(entry);
        if (!match) {
          ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port` });
          return { host: entry, port: 0 };
        }
        return { host: match[1]!, port: Number(match[2]) };
      }),
  );

/**
 * Variables every service reads. Secrets (REDIS_URL may carry a password) can also be given
 * as `<NAME>_FILE`, see loadConfig.
 */
export const commonEnv = {
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: LogLevel.default('info'),
  REDIS_URL: redisUrl(),
  /** With Sentinel, REDIS_URL's host is ignored: these are asked for the primary instead. */
  REDIS_SENTINELS: hostPortList().optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  /** A PEM bundle to trust for rediss:// (a private CA); the system roots otherwise. */
  REDIS_TLS_CA_FILE: z.string().min(1).optional(),
  /**
   * Per-request HTTP and RPC histograms (on by default). Off only to measure their cost:
   * /metrics then serves the process metrics alone.
   */
  METRICS_ENABLED: bool().default(true),
  /** How long a stopping service keeps serving after readiness turns off (endpoints to drain). */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(0),
  /** The most a graceful stop may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: positiveInt().default(10_000),
  /**
   * How services reach each other over Redis, for requests and events: `redis-streams`
   * (each request handled by one replica, durable events) or Nest's own `redis` pub/sub.
   * Callers and the services they call must use the same one.
   */
  RPC_TRANSPORT: z.enum(['redis-streams', 'redis']).default('redis-streams'),
};

/** The Redis part of commonEnv, as @platform/redis' RedisSettings. */
export function redisSettingsFromEnv(env: {
  REDIS_URL: string;
  REDIS_SENTINELS?: Array<{ host: string; port: number }> | undefined;
  REDIS_SENTINEL_NAME: string;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  REDIS_TLS_CA_FILE?: string | undefined;
}) {
  return {
    url: env.REDIS_URL,
    sentinels: env.REDIS_SENTINELS,
    sentinelName: env.REDIS_SENTINEL_NAME,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
    tlsCaFile: env.REDIS_TLS_CA_FILE,
  };
}
