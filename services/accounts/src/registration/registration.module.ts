import { Module } from '@nestjs/common';
import { NotificationsQueues } from '@contracts/notifications';
import { LiveConfigModule } from '@platform/live-config';
import { QueuesModule } from '@platform/queues';
import { AuthSettings } from '../auth-settings.js';
import { PendingRegistrations } from './pending-registrations.js';
import { RegistrationController } from './registration.controller.js';
import { RegistrationLimiter } from './registration-limiter.js';
import { RegistrationService } from './registration.service.js';

@Module({
  // Verification emails are jobs on notifications' email queue, added with its contract's policy.
  imports: [LiveConfigModule.forFeature([AuthSettings]), QueuesModule.forRoot({ produce: [NotificationsQueues.email] })],
  controllers: [RegistrationController],
  providers: [RegistrationService, PendingRegistrations, RegistrationLimiter],
})
export class RegistrationModule {}
