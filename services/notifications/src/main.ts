import { bootstrapService, exitOnStartupError } from '@platform/bootstrap';
import { serverOptions } from '@platform/transport';
import { AppModule } from './app.module.js';
import { loadNotificationsConfig } from './config.js';

async function bootstrap(): Promise<void> {
  const config = loadNotificationsConfig();
  await bootstrapService({
    name: 'notifications',
    module: AppModule,
    config,
    redis: config.redis,
    microservices: [serverOptions({ kind: config.RPC_TRANSPORT, redis: config.redis }, 'notifications')],
  });
}

bootstrap().catch(exitOnStartupError);
