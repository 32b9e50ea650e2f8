import { Module } from '@nestjs/common';
import { LiveConfigModule } from '@platform/live-config';
import { AccountSessions } from './account-sessions.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { CredentialEpochs } from './credential-epochs.js';
import { SessionGuard } from './session.guard.js';
import { SessionSettings } from './session-settings.js';

/**
 * `/auth/*`. SessionGuard (and CredentialEpochs, its dependency) is exported for routes of other
 * modules that need a login; AccountSessions for the session store (registerSessions).
 */
@Module({
  imports: [LiveConfigModule.forFeature([SessionSettings])],
  controllers: [AuthController],
  providers: [AuthService, AccountSessions, CredentialEpochs, SessionGuard],
  exports: [SessionGuard, CredentialEpochs, AccountSessions],
})
export class AuthModule {}
