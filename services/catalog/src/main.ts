import { bootstrapService, exitOnStartupError } from '@platform/bootstrap';
import { serverOptions } from '@platform/transport';
import { AppModule } from './app.module.js';
import { loadCatalogConfig } from './config.js';

async function bootstrap(): Promise<void> {
  const config = loadCatalogConfig();
  await bootstrapService({
    name: 'catalog',
    module: AppModule,
    config,
    redis: config.redis,
    microservices: [serverOptions({ kind: config.RPC_TRANSPORT, redis: config.redis }, 'catalog')],
  });
}

bootstrap().catch(exitOnStartupError);
