import { bootstrapService } from '@platform/bootstrap';
import { SeedRpc } from '@contracts/seed-routes';
import type { Telemetry } from '@platform/telemetry';
import { serverOptions } from '@platform/transport';
import { AppModule } from './app.module.js';
import { loadLegacyConfig } from './config.js';

/** Starts legacy: the seeds' "monolithic" service, answering over Nest's TCP transport. */
export async function bootstrap(telemetry: Telemetry): Promise<void> {
  const config = loadLegacyConfig();
  await bootstrapService({
    name: 'legacy',
    module: AppModule,
    config,
    redis: config.redis,
    telemetry,
    microservices: [serverOptions({ kind: 'tcp', host: config.HOST, port: config.TCP_PORT }, 'legacy')],
    // What this service answers and subscribes to: boot fails if one lacks its handler.
    handles: [SeedRpc.legacyHello],
  });
}
