import { Module } from '@nestjs/common';
import { SeedRoutesController } from './seed-routes.controller.js';

@Module({ controllers: [SeedRoutesController] })
export class SeedRoutesModule {}
