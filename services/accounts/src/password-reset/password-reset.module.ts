import { Module } from '@nestjs/common';
import { AccountEmailsModule } from '../account-emails.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { ResetEmailInterval } from './reset-email-interval.js';
import { ResetTokens } from './reset-tokens.js';

@Module({
  imports: [AuthModule, AccountEmailsModule],
  controllers: [PasswordResetController],
  providers: [PasswordResetService, ResetTokens, ResetEmailInterval],
})
export class PasswordResetModule {}
