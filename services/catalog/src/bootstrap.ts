import { bootstrapService } from '@platform/bootstrap';
import { CatalogEvents, CatalogRpc } from '@contracts/catalog';
import { SeedEvents, SeedRpc } from '@contracts/seed-routes';
import type { Telemetry } from '@platform/telemetry';
import { serverOptions } from '@platform/transport';
import { AppModule } from './app.module.js';
import { loadCatalogConfig } from './config.js';

/** Starts catalog: products, stock and most-viewed, answering over Redis and publishing stock events. */
export async function bootstrap(telemetry: Telemetry): Promise<void> {
  const config = loadCatalogConfig();
  await bootstrapService({
    name: 'catalog',
    module: AppModule.forRoot(config),
    config,
    redis: config.redis,
    telemetry,
    microservices: [serverOptions({ kind: config.RPC_TRANSPORT, redis: config.redis }, 'catalog')],
    // What this service answers and subscribes to: boot fails if one lacks its handler.
    handles: [CatalogRpc, SeedRpc.catalogHello, CatalogEvents.productViewed, SeedEvents.ping],
  });
}
