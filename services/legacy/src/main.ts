import { bootstrapService, exitOnStartupError } from '@platform/bootstrap';
import { serverOptions } from '@platform/transport';
import { AppModule } from './app.module.js';
import { loadLegacyConfig } from './config.js';

async function bootstrap(): Promise<void> {
  const config = loadLegacyConfig();
  await bootstrapService({
    name: 'legacy',
    module: AppModule,
    config,
    redis: config.redis,
    microservices: [serverOptions({ kind: 'tcp', host: config.HOST, port: config.TCP_PORT }, 'legacy')],
  });
}

bootstrap().catch(exitOnStartupError);
