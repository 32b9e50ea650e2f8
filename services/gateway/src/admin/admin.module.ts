import { Module } from '@nestjs/common';
import { AdminTokenGuard } from '@platform/http';
import { IndexedQueues } from '@platform/queues';
import { BullBoard } from './bull-board.js';
import { DeadLettersController } from './dead-letters.controller.js';
import { DeadLettersService } from './dead-letters.service.js';

/**
 * Queue administration: Bull Board at /admin/queues and the dead-letter routes, all behind the
 * admin token, over every queue of the platform's queue index. The gateway adds no jobs and
 * runs no worker; it names no queue, so it administers whichever services exist.
 */
@Module({
  controllers: [DeadLettersController],
  providers: [AdminTokenGuard, BullBoard, DeadLettersService, IndexedQueues],
})
export class AdminModule {}
