import { commonEnv, loadConfig, port, redisSettingsFromEnv } from '@platform/config';
import { z } from 'zod';

const CatalogEnv = z.object({
  ...commonEnv,
  PORT: port().default(3002),
});

/** catalog's configuration, validated once at start. */
export function loadCatalogConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(CatalogEnv, env);
  return { ...values, redis: redisSettingsFromEnv(values) };
}

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;
