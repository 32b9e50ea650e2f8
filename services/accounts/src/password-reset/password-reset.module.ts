import { Module } from '@nestjs/common';
import { NotificationsQueues } from '@contracts/notifications';
import { QueuesModule } from '@platform/queues';
import { AuthModule } from '../auth/auth.module.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { ResetEmailInterval } from './reset-email-interval.js';
import { ResetTokens } from './reset-tokens.js';

@Module({
  // Reset emails are jobs on notifications' email queue, added with its contract's policy.
  imports: [AuthModule, QueuesModule.forRoot({ produce: [NotificationsQueues.email] })],
  controllers: [PasswordResetController],
  providers: [PasswordResetService, ResetTokens, ResetEmailInterval],
})
export class PasswordResetModule {}
