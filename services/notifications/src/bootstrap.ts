import { bootstrapService } from '@platform/bootstrap';
import { CatalogEvents } from '@contracts/catalog';
import { NotificationsRpc } from '@contracts/notifications';
import { SeedEvents } from '@contracts/seed-routes';
import type { Telemetry } from '@platform/telemetry';
import { serverOptions } from '@platform/transport';
import { AppModule } from './app.module.js';
import { loadNotificationsConfig } from './config.js';
import { EmailQueueReadiness } from './email/email-queue.readiness.js';

/** Starts notifications: the email queue's worker, and restock emails for watchers. */
export async function bootstrap(telemetry: Telemetry): Promise<void> {
  const config = loadNotificationsConfig();
  const { logger } = await bootstrapService({
    name: 'notifications',
    module: AppModule.forRoot(config),
    config,
    redis: config.redis,
    telemetry,
    microservices: [serverOptions({ kind: config.RPC_TRANSPORT, redis: config.redis }, 'notifications')],
    // What this service answers and subscribes to: boot fails if one lacks its handler.
    handles: [NotificationsRpc, CatalogEvents.stockUpdated, SeedEvents.ping],
    readiness: [EmailQueueReadiness],
  });
  logger.info(config.SMTP_URL ? 'emails go out over SMTP (SMTP_URL)' : 'SMTP_URL is not set: emails go to the dev outbox in Redis');
}
