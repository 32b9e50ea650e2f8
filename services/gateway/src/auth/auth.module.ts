import { Module } from '@nestjs/common';
import { AccountSessions } from './account-sessions.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { SessionGuard } from './session.guard.js';

/** `/auth/*`. SessionGuard is exported for routes of other modules that need a login. */
@Module({ controllers: [AuthController], providers: [AuthService, AccountSessions, SessionGuard], exports: [SessionGuard] })
export class AuthModule {}
