import { Module } from '@nestjs/common';
import { PlatformCounters } from '@platform/contracts';
import { CountersModule } from '@platform/counters';
import { ProductRepository } from './product.repository.js';
import { ProductsController } from './products.controller.js';
import { ProductsService } from './products.service.js';

@Module({ imports: [CountersModule.forFeature([PlatformCounters.events])], controllers: [ProductsController], providers: [ProductRepository, ProductsService] })
export class ProductsModule {}
