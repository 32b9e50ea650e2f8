import { Module } from '@nestjs/common';
import { HelloModule } from './hello/hello.module.js';

@Module({ imports: [HelloModule] })
export class AppModule {}
