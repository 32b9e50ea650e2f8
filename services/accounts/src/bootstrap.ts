import { bootstrapService } from '@platform/bootstrap';
import { AccountsEvents, AccountsRpc } from '@contracts/accounts';
import { SeedEvents } from '@contracts/seed-routes';
import type { Telemetry } from '@platform/telemetry';
import { serverOptions } from '@platform/transport';
import { AppModule } from './app.module.js';
import { loadAccountsConfig } from './config.js';

/** Starts accounts: users, credentials, login limits and reset tokens, answering over Redis. */
export async function bootstrap(telemetry: Telemetry): Promise<void> {
  const config = loadAccountsConfig();
  await bootstrapService({
    name: 'accounts',
    module: AppModule.forRoot(config),
    config,
    redis: config.redis,
    telemetry,
    microservices: [serverOptions({ kind: config.RPC_TRANSPORT, redis: config.redis }, 'accounts')],
    // What this service answers and subscribes to: boot fails if one lacks its handler.
    handles: [AccountsRpc, AccountsEvents.passwordResetRequested, SeedEvents.ping],
  });
}
