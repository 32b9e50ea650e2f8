import { Module } from '@nestjs/common';
import { LiveConfigModule } from '@platform/live-config';
import { AccountEmailsModule } from '../account-emails.module.js';
import { AuthSettings } from '../auth-settings.js';
import { PendingRegistrations } from './pending-registrations.js';
import { RegistrationController } from './registration.controller.js';
import { RegistrationLimiter } from './registration-limiter.js';
import { RegistrationService } from './registration.service.js';

@Module({
  imports: [LiveConfigModule.forFeature([AuthSettings]), AccountEmailsModule],
  controllers: [RegistrationController],
  providers: [RegistrationService, PendingRegistrations, RegistrationLimiter],
})
export class RegistrationModule {}
