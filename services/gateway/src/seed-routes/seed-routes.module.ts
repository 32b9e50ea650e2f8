import { Module } from '@nestjs/common';
import { SeedRoutesController } from './seed-routes.controller.js';
import { SeedRoutesService } from './seed-routes.service.js';

@Module({ controllers: [SeedRoutesController], providers: [SeedRoutesService] })
export class SeedRoutesModule {}
