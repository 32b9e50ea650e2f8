import { Module } from '@nestjs/common';
import { NotificationsQueues } from '@contracts/notifications';
import { AdminTokenGuard } from '@platform/http';
import { QueuesModule } from '@platform/queues';
import { BullBoard } from './bull-board.js';
import { DeadLettersController } from './dead-letters.controller.js';
import { DeadLettersService } from './dead-letters.service.js';

/** Queue administration: Bull Board at /admin/queues and the dead-letter routes, all behind the admin token. */
@Module({
  // The gateway adds no jobs and runs no worker: it reads the example's queues (notifications').
  imports: [QueuesModule.forRoot({ inspect: Object.values(NotificationsQueues) })],
  controllers: [DeadLettersController],
  providers: [AdminTokenGuard, BullBoard, DeadLettersService],
})
export class AdminModule {}
