import { type DynamicModule, Module } from '@nestjs/common';
import { ADMIN_TOKEN, ADMIN_TOKEN_FAILURES } from '@platform/http';
import { LiveConfigModule } from '@platform/live-config';
import { OpenApiModule } from '@platform/openapi';
import { TransportModule } from '@platform/transport';
import { AdminConfigModule } from './admin-config/admin-config.module.js';
import { AuthModule } from './auth/auth.module.js'; // @example
import { AdminModule } from './admin/admin.module.js';
import { AdminSettings } from './admin/admin-settings.js';
import { AdminTokenFailuresInRedis } from './admin/admin-token-failures.js';
import type { GatewayConfig } from './config.js';
import { DevModule } from './dev/dev.module.js'; // @example
import { gatewayApiDocs } from './docs/api-docs.options.js';
import { GATEWAY_CONFIG } from './gateway.constants.js';
import { ProductsModule } from './products/products.module.js'; // @example
import { SeedRoutesModule } from './seed-routes/seed-routes.module.js'; // @example

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
          defaultTarget: config.defaultTarget,
          events: config.events,
          timeoutMs: config.RPC_TIMEOUT_MS,
        }),
        // admin.*: the limit on wrong admin tokens, which every AdminTokenGuard charges.
        LiveConfigModule.forFeature([AdminSettings]),
        AdminConfigModule,
        // Bull Board and the dead letters of every queue in the platform's queue index.
        AdminModule,
        // @example-begin: the example domain's routes (make strip-examples deletes them)
        SeedRoutesModule,
        AuthModule,
        ProductsModule,
        // Development-only routes exist only when asked for: off, they are a plain 404.
        ...(config.DEV_ENDPOINTS ? [DevModule] : []),
        // @example-end
        // generated routes: make service ROUTE=yes adds its module here
        // GET /docs and /docs/openapi.json, built at boot from every route above.
        OpenApiModule.forRoot(gatewayApiDocs(config)),
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: ADMIN_TOKEN, useValue: config.ADMIN_TOKEN },
        { provide: ADMIN_TOKEN_FAILURES, useClass: AdminTokenFailuresInRedis },
      ],
      exports: [GATEWAY_CONFIG, ADMIN_TOKEN, ADMIN_TOKEN_FAILURES],
    };
  }
}
