import { bootstrapService, exitOnStartupError } from '@platform/bootstrap';
import { serverOptions } from '@platform/transport';
import { AppModule } from './app.module.js';
import { loadAccountsConfig } from './config.js';

async function bootstrap(): Promise<void> {
  const config = loadAccountsConfig();
  await bootstrapService({
    name: 'accounts',
    module: AppModule,
    config,
    redis: config.redis,
    microservices: [serverOptions({ kind: config.RPC_TRANSPORT, redis: config.redis }, 'accounts')],
  });
}

bootstrap().catch(exitOnStartupError);
