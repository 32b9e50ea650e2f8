import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { UsersModule } from '../users/users.module.js';
import { EmailQueue } from './email-queue.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { ResetEmailInterval } from './reset-email-interval.js';
import { ResetTokens } from './reset-tokens.js';

@Module({
  imports: [UsersModule, AuthModule],
  controllers: [PasswordResetController],
  providers: [PasswordResetService, ResetTokens, ResetEmailInterval, EmailQueue],
})
export class PasswordResetModule {}
