import { Module } from '@nestjs/common';
import { AdminTokenGuard } from '@platform/http';
import { AdminQueues } from './admin-queues.js';
import { BullBoard } from './bull-board.js';
import { DeadLettersController } from './dead-letters.controller.js';
import { DeadLettersService } from './dead-letters.service.js';

/** Queue administration: Bull Board at /admin/queues and the dead-letter routes, all behind the admin token. */
@Module({
  controllers: [DeadLettersController],
  providers: [AdminQueues, AdminTokenGuard, BullBoard, DeadLettersService],
})
export class AdminModule {}
