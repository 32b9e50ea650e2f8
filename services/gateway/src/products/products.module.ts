import { Module } from '@nestjs/common';
import { CacheRedisCloser, cacheRedisProvider } from './cache-redis.provider.js';
import { ProductCache } from './product-cache.js';
import { ProductsController } from './products.controller.js';
import { ProductsService } from './products.service.js';
import { StockEventsController } from './stock-events.controller.js';

@Module({
  controllers: [ProductsController, StockEventsController],
  providers: [cacheRedisProvider, CacheRedisCloser, ProductCache, ProductsService],
})
export class ProductsModule {}
