import { commonEnv, loadConfig, port, redisSettingsFromEnv } from '@platform/config';
import { z } from 'zod';

const LegacyEnv = z.object({
  ...commonEnv,
  PORT: port().default(3001),
  /** Where the Nest TCP transport listens; the gateway's LEGACY_TCP_PORT points here. */
  TCP_PORT: port().default(4000),
});

/** legacy's configuration, validated once at start. */
export function loadLegacyConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(LegacyEnv, env);
  return { ...values, redis: redisSettingsFromEnv(values) };
}

export type LegacyConfig = ReturnType<typeof loadLegacyConfig>;
