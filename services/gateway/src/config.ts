import { bool, commonEnv, loadConfig, port, positiveInt, redisSettingsFromEnv } from '@platform/config';
import type { TransportTarget } from '@platform/transport';
import { z } from 'zod';

const GatewayEnv = z.object({
  ...commonEnv,
  PORT: port().default(3000),
  /** legacy's TCP transport. */
  LEGACY_TCP_HOST: z.string().min(1).default('127.0.0.1'),
  LEGACY_TCP_PORT: port().default(4000),
  /** The deadline of every call to another service; the HTTP answer is 504 past it. */
  RPC_TIMEOUT_MS: positiveInt().max(60_000).default(3_000),
  /** Bearer token of the admin routes; without it they answer 401 to everyone. */
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Development-only routes (the email outbox). Never on in production. */
  DEV_ENDPOINTS: bool().default(false),
});

/** The gateway's configuration, validated once at start. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(GatewayEnv, env);
  const redis = redisSettingsFromEnv(values);
  const viaRedis: TransportTarget = { kind: values.RPC_TRANSPORT, redis };
  return {
    ...values,
    redis,
    /** How each downstream service is reached: config, never code, decides. */
    targets: {
      legacy: { kind: 'tcp', host: values.LEGACY_TCP_HOST, port: values.LEGACY_TCP_PORT },
      catalog: viaRedis,
      accounts: viaRedis,
      notifications: viaRedis,
    } satisfies Record<string, TransportTarget>,
    events: { kind: values.RPC_TRANSPORT, redis } as const,
  };
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
