import { Module } from '@nestjs/common';
import { CatalogCounters } from '@contracts/catalog';
import { CountersModule } from '@platform/counters';
import { LiveConfigModule } from '@platform/live-config';
import { AuthModule } from '../auth/auth.module.js';
import { CacheRedisCloser, cacheRedisProvider } from './cache-redis.provider.js';
import { CatalogSettings } from './catalog-settings.js';
import { ProductCache } from './product-cache.js';
import { ProductsController } from './products.controller.js';
import { ProductsService } from './products.service.js';
import { StockEventsController } from './stock-events.controller.js';

// AuthModule: its SessionGuard (watch routes) checks credential epochs with AuthModule's CredentialEpochs.
@Module({
  imports: [AuthModule, LiveConfigModule.forFeature([CatalogSettings]), CountersModule.forFeature([CatalogCounters.cacheRequests, CatalogCounters.productViews])],
  controllers: [ProductsController, StockEventsController],
  providers: [cacheRedisProvider, CacheRedisCloser, ProductCache, ProductsService],
})
export class ProductsModule {}
