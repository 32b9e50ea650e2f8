import { type CanActivate, type ExecutionContext, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CredentialEpochs } from './credential-epochs.js';

/**
 * Lets a request through only with a logged-in session whose credentials are still the
 * account's: `@UseGuards(SessionGuard)` on a route or controller, then
 * `@CurrentUser() user: SessionUser` in the handler. 401 otherwise.
 *
 * A session made at an older credential epoch (the password changed since the login that made
 * it verified the old one) is refused and deleted. This is the control that logs out whoever
 * knew the old password; ending an account's sessions on reset (AccountSessions.endAll) only
 * cleans up, and could not be the control: a login that verified the old hash can finish
 * after it, and a reset whose confirm timed out never reaches it.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly logger = new Logger(SessionGuard.name);

  constructor(private readonly epochs: CredentialEpochs) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // Null where the session hooks do not run: the route lacks @UsesSession (a defect, so a 500).
    if (!request.session) throw new Error(`SessionGuard on ${request.method} ${request.routeOptions.url}: the route needs @UsesSession()`);
    const user = request.session.user;
    if (!user) throw new UnauthorizedException('log in first (POST /auth/login)');
    // Sessions from before epochs existed carry none: they were made at epoch 0.
    const sessionEpoch = request.session.credentialEpoch ?? 0;
    if (sessionEpoch < (await this.epochs.current(user.id))) {
      this.logger.log(`refused a session of account ${user.id} made before its password changed`);
      await request.session.destroy();
      throw new UnauthorizedException('the password changed since this login: log in again (POST /auth/login)');
    }
    return true;
  }
}
