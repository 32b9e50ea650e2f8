import { bootstrapService, exitOnStartupError } from '@platform/bootstrap';
import { AppModule } from './app.module.js';
import { loadMetricsExporterConfig } from './config.js';

async function bootstrap(): Promise<void> {
  const config = loadMetricsExporterConfig();
  await bootstrapService({ name: 'metrics-exporter', module: AppModule, config, redis: config.redis });
}

bootstrap().catch(exitOnStartupError);
