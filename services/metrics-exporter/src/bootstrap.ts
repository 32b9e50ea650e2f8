import { bootstrapService } from '@platform/bootstrap';
import type { Telemetry } from '@platform/telemetry';
import { AppModule } from './app.module.js';
import { loadMetricsExporterConfig } from './config.js';

/** Starts metrics-exporter: the Redis-kept counters and queue gauges, once for the platform. */
export async function bootstrap(telemetry: Telemetry): Promise<void> {
  const config = loadMetricsExporterConfig();
  await bootstrapService({ name: 'metrics-exporter', module: AppModule, config, redis: config.redis, telemetry });
}
