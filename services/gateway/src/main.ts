import { bootstrapService, exitOnStartupError } from '@platform/bootstrap';
import { AppModule } from './app.module.js';
import { loadGatewayConfig } from './config.js';

async function bootstrap(): Promise<void> {
  const config = loadGatewayConfig();
  const { logger } = await bootstrapService({
    name: 'gateway',
    module: AppModule.forRoot(config),
    config,
    redis: config.redis,
  });
  if (!config.ADMIN_TOKEN) logger.warn('ADMIN_TOKEN is not set: every admin route answers 401');
}

bootstrap().catch(exitOnStartupError);
