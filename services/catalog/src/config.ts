import { commonEnv, loadConfig, port, positiveInt, redisSettingsFromEnv } from '@platform/config';
import { z } from 'zod';

const CatalogEnv = z.object({
  ...commonEnv,
  PORT: port().default(3002),
  /** How long publishing stock.updated may take before the change is answered without it. */
  EVENT_PUBLISH_TIMEOUT_MS: positiveInt().max(60_000).default(2_000),
});

/** catalog's configuration, validated once at start. */
export function loadCatalogConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(CatalogEnv, env);
  return { ...values, redis: redisSettingsFromEnv(values) };
}

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;
