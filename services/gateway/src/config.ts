import { isIP } from 'node:net';
import { commonEnv, loadConfig, port, positiveInt, redisSettingsFromEnv } from '@platform/config';
import { bool, ConfigError, redisUrl } from '@platform/config'; // @example
import type { TransportTarget } from '@platform/transport';
import { z } from 'zod';

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY besides addresses and CIDRs. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: which peers may tell the client's address in X-Forwarded-For (Fastify's
 * trustProxy). `false` (default): nobody, the socket's address is the client's. A list of
 * addresses, CIDRs or range names (`10.0.0.0/8,loopback`): only those proxies. `true`:
 * every peer, only safe when nothing but the proxy can reach the gateway.
 */
const trustProxy = () =>
  z.string().transform((raw, ctx): boolean | string[] => {
    const value = raw.trim().toLowerCase();
    if (value === 'false' || value === '') return false;
    if (value === 'true') return true;
    const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
    for (const entry of entries) {
      const [address = '', bits, ...rest] = entry.split('/');
      const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
      if (!(RANGE_NAMES.has(entry) || (isIP(address) !== 0 && validBits && rest.length === 0))) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not an address, a CIDR or one of loopback, linklocal, uniquelocal` });
      }
    }
    return entries;
  });

const GatewayEnv = z.object({
  ...commonEnv,
  PORT: port().default(3000),
  // @example-begin: legacy's TCP transport
  LEGACY_TCP_HOST: z.string().min(1).default('127.0.0.1'),
  LEGACY_TCP_PORT: port().default(4000),
  // @example-end
  /**
   * The budget of one HTTP request, counted from its arrival and shared by every call it makes
   * to other services (each gets what is left); the answer is 504 past it.
   */
  RPC_TIMEOUT_MS: positiveInt().max(60_000).default(3_000),
  /** Bearer token of the admin routes; without it they answer 401 to everyone. */
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TRUST_PROXY: trustProxy().default(false),
  /**
   * How long the answer to a request with an Idempotency-Key is kept and replayed to its
   * retries (published to clients in the API document). At least a minute: shorter than a
   * client's retry loop, a retry would run the request again.
   */
  IDEMPOTENCY_TTL_SECONDS: positiveInt().min(60).max(7 * 86_400).default(86_400),
  // @example-begin: the example's routes (sessions, the product cache, the dev outbox)
  /** Development-only routes (the email outbox). Never on in production. */
  DEV_ENDPOINTS: bool().default(false),
  /** Signs the session cookie (HMAC). A long random string; changing it logs everybody out. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** The longest a session lives after login, however active (the cookie's Max-Age and the Redis TTL). */
  SESSION_MAX_AGE_SECONDS: positiveInt().max(30 * 86_400).default(86_400),
  /**
   * Send the session cookie over HTTPS only (`Secure`, `__Host-` name). Set it wherever clients
   * use HTTPS; it needs TRUST_PROXY (the proxy that terminates TLS), and a login that reached
   * the gateway over plain HTTP is then refused (403) rather than answered without its cookie.
   */
  COOKIE_SECURE: bool().default(false),
  /**
   * The product cache's own Redis (`maxmemory-policy allkeys-lru`), so eviction can never
   * touch queue keys; unset, the cache shares REDIS_URL (which must then stay `noeviction`).
   * A secret when it carries a password: may be given as CACHE_REDIS_URL_FILE.
   */
  CACHE_REDIS_URL: redisUrl().optional(),
  // @example-end
});

/** The gateway's configuration, validated once at start. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(GatewayEnv, env);
  // @example-begin: a Secure session cookie needs requests the gateway can tell are HTTPS
  // The gateway serves plain HTTP only (TLS ends at a proxy): without a trusted proxy's
  // X-Forwarded-Proto no request is HTTPS, and no login could ever set its Secure cookie.
  if (values.COOKIE_SECURE && values.TRUST_PROXY === false) {
    throw new ConfigError([
      'COOKIE_SECURE: true needs TRUST_PROXY: the gateway serves plain HTTP, so only a trusted proxy that terminates TLS ' +
        '(X-Forwarded-Proto: https) makes a request HTTPS; name that proxy in TRUST_PROXY (e.g. uniquelocal), or set COOKIE_SECURE=false where clients use plain HTTP',
    ]);
  }
  // @example-end
  const redis = redisSettingsFromEnv(values);
  const viaRedis: TransportTarget = { kind: values.RPC_TRANSPORT, redis };
  return {
    ...values,
    redis,
    /** How each downstream service is reached: config, never code, decides. */
    targets: {
      legacy: { kind: 'tcp', host: values.LEGACY_TCP_HOST, port: values.LEGACY_TCP_PORT }, // @example
    } satisfies Record<string, TransportTarget>,
    /** Every other service: over Redis, by name. */
    defaultTarget: viaRedis,
    events: { kind: values.RPC_TRANSPORT, redis } as const,
    // @example-begin: where the product cache lives, its own Redis when CACHE_REDIS_URL is set
    cacheRedis: values.CACHE_REDIS_URL ? { url: values.CACHE_REDIS_URL, tlsCaFile: values.REDIS_TLS_CA_FILE } : undefined,
    // @example-end
  };
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
