import { bootstrapService } from '@platform/bootstrap';
import { CatalogEvents } from '@contracts/catalog';
import type { Telemetry } from '@platform/telemetry';
import { serverOptions, TransportReadiness } from '@platform/transport';
import { AppModule } from './app.module.js';
import { registerSessions } from './auth/sessions.js';
import { loadGatewayConfig } from './config.js';

/** Starts the gateway: the platform's only public HTTP API. */
export async function bootstrap(telemetry: Telemetry): Promise<void> {
  const config = loadGatewayConfig();
  const { logger } = await bootstrapService({
    name: 'gateway',
    module: AppModule.forRoot(config),
    config,
    redis: config.redis,
    telemetry,
    // The gateway subscribes to catalog's stock.updated (product cache invalidation).
    microservices: [serverOptions(config.events, 'gateway')],
    // What this service answers and subscribes to: boot fails if one lacks its handler.
    handles: [CatalogEvents.stockUpdated],
    // Downstream connections show in readiness as degraded, never as down (see TransportReadiness).
    readiness: [TransportReadiness],
    http: { trustProxy: config.TRUST_PROXY },
    configure: (app) => registerSessions(app, config),
  });
  if (!config.ADMIN_TOKEN) logger.warn('ADMIN_TOKEN is not set: every admin route answers 401');
}
