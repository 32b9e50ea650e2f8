import { Module } from '@nestjs/common';
import { NotificationsQueues } from '@contracts/notifications';
import { QueuesModule } from '@platform/queues';

/**
 * notifications' email queue, as accounts adds to it (verification, account-exists and reset
 * emails, with the queue contract's policy): one producer, so one BullMQ queue handle, for
 * every feature that mails.
 */
@Module({
  imports: [QueuesModule.forRoot({ produce: [NotificationsQueues.email] })],
  exports: [QueuesModule],
})
export class AccountEmailsModule {}
