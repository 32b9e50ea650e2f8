import { commonEnv, loadConfig, port, redisSettingsFromEnv } from '@platform/config';
import { z } from 'zod';

const MetricsExporterEnv = z.object({
  ...commonEnv,
  PORT: port().default(9400),
});

/** metrics-exporter's configuration, validated once at start. */
export function loadMetricsExporterConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(MetricsExporterEnv, env);
  return { ...values, redis: redisSettingsFromEnv(values) };
}

export type MetricsExporterConfig = ReturnType<typeof loadMetricsExporterConfig>;
