import { Module } from '@nestjs/common';
import { CatalogCounters } from '@contracts/catalog';
import { CountersModule } from '@platform/counters';
import { ProductRepository } from './product.repository.js';
import { ProductsController } from './products.controller.js';
import { ProductsService } from './products.service.js';

@Module({ imports: [CountersModule.forFeature([CatalogCounters.events])], controllers: [ProductsController], providers: [ProductRepository, ProductsService] })
export class ProductsModule {}
