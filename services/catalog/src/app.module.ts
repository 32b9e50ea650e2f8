import { type DynamicModule, Module } from '@nestjs/common';
import { TransportModule } from '@platform/transport';
import type { CatalogConfig } from './config.js';
import { ProductsModule } from './products/products.module.js';
import { SeedRoutesModule } from './seed-routes/seed-routes.module.js';

@Module({})
export class AppModule {
  static forRoot(config: CatalogConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // catalog calls no one; it publishes stock.updated.
        TransportModule.forClients({
          caller: 'catalog',
          targets: {},
          events: { kind: config.RPC_TRANSPORT, redis: config.redis },
          timeoutMs: config.EVENT_PUBLISH_TIMEOUT_MS,
        }),
        SeedRoutesModule,
        ProductsModule,
      ],
    };
  }
}
