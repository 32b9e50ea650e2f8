import { Module } from '@nestjs/common';
import { OutboxController } from './outbox.controller.js';

/** Development-only routes; AppModule imports this module only when DEV_ENDPOINTS=true. */
@Module({ controllers: [OutboxController] })
export class DevModule {}
