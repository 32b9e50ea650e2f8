import { CatalogEvents } from '@contracts/catalog'; // @example
import { bootstrapService } from '@platform/bootstrap';
import type { Telemetry } from '@platform/telemetry';
import { TransportReadiness } from '@platform/transport';
import { serverOptions } from '@platform/transport'; // @example
import { registerAdminHeaders } from './admin/admin-headers.js';
import { AppModule } from './app.module.js';
import { registerSessions } from './auth/sessions.js'; // @example
import { loadGatewayConfig } from './config.js';
import { registerIdempotencyKeys } from './idempotency/idempotency-keys.js';

/** Starts the gateway: the platform's only public HTTP API. */
export async function bootstrap(telemetry: Telemetry): Promise<void> {
  const config = loadGatewayConfig();
  const { logger } = await bootstrapService({
    name: 'gateway',
    module: AppModule.forRoot(config),
    config,
    redis: config.redis,
    telemetry,
    // @example-begin: the gateway subscribes to catalog's stock.updated (product cache invalidation);
    // `handles` lists what it answers and subscribes to, and boot fails if one lacks its handler.
    microservices: [serverOptions(config.events, 'gateway')],
    handles: [CatalogEvents.stockUpdated],
    // @example-end
    // Downstream connections show in readiness as degraded, never as down (see TransportReadiness).
    readiness: [TransportReadiness],
    // RPC_TIMEOUT_MS is the budget of a whole request: its calls share it, not one each.
    http: { trustProxy: config.TRUST_PROXY, requestBudgetMs: config.RPC_TIMEOUT_MS },
    configure: async (app) => {
      // First: every answer under /admin, a replayed one or a 401 included, forbids framing.
      registerAdminHeaders(app);
      await registerSessions(app, config); // @example: the session cookie of /auth
      // Idempotency-Key on every unsafe route: before the routes are registered (at listen).
      registerIdempotencyKeys(app, config);
    },
  });
  if (!config.ADMIN_TOKEN) logger.warn('ADMIN_TOKEN is not set: every admin route answers 401');
}
