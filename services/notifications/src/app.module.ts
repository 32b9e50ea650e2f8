import { Module } from '@nestjs/common';
import { SeedModule } from './seed/seed.module.js';

@Module({ imports: [SeedModule] })
export class AppModule {}
