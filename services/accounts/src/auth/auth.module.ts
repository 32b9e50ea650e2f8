import { Module } from '@nestjs/common';
import { AccountsCounters } from '@contracts/accounts';
import { CountersModule } from '@platform/counters';
import { LiveConfigModule } from '@platform/live-config';
import { AuthSettings } from '../auth-settings.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { LoginLimiter } from './login-limiter.js';

// The auth section is read here and by PasswordResetModule (which imports this module).
@Module({
  imports: [LiveConfigModule.forFeature([AuthSettings]), CountersModule.forFeature([AccountsCounters.logins])],
  controllers: [AuthController],
  providers: [AuthService, LoginLimiter],
  exports: [LoginLimiter],
})
export class AuthModule {}
