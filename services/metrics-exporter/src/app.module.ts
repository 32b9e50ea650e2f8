import { Module } from '@nestjs/common';
import { ExporterModule } from './exporter/exporter.module.js';

@Module({ imports: [ExporterModule] })
export class AppModule {}
