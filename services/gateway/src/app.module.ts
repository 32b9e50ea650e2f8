import { type DynamicModule, Module } from '@nestjs/common';
import { ADMIN_TOKEN } from '@platform/http';
import { TransportModule } from '@platform/transport';
import type { GatewayConfig } from './config.js';
import { GATEWAY_CONFIG } from './gateway.constants.js';
import { SeedModule } from './seed/seed.module.js';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        TransportModule.forClients({
          caller: 'gateway',
          targets: config.targets,
          events: config.events,
          timeoutMs: config.RPC_TIMEOUT_MS,
        }),
        SeedModule,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: ADMIN_TOKEN, useValue: config.ADMIN_TOKEN },
      ],
      exports: [GATEWAY_CONFIG, ADMIN_TOKEN],
    };
  }
}
