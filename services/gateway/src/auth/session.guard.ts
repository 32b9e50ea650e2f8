import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * Lets a request through only with a logged-in session: `@UseGuards(SessionGuard)` on a
 * route or controller, then `@CurrentUser() user: SessionUser` in the handler. 401 otherwise.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!request.session?.user) throw new UnauthorizedException('log in first (POST /auth/login)');
    return true;
  }
}
