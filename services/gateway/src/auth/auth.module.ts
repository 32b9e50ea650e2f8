import { Module } from '@nestjs/common';
import { AccountSessions } from './account-sessions.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { CredentialEpochs } from './credential-epochs.js';
import { SessionGuard } from './session.guard.js';

/** `/auth/*`. SessionGuard (and CredentialEpochs, its dependency) is exported for routes of other modules that need a login. */
@Module({ controllers: [AuthController], providers: [AuthService, AccountSessions, CredentialEpochs, SessionGuard], exports: [SessionGuard, CredentialEpochs] })
export class AuthModule {}
