import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';

/** Injection token of the admin token (`ADMIN_TOKEN`); undefined disables admin routes. */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

const digest = (value: string) => createHash('sha256').update(value).digest();
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Admin routes require `Authorization: Bearer <ADMIN_TOKEN>`. The comparison hashes both
 * sides first so it runs in constant time whatever their lengths. Without a configured
 * token every admin request is refused: no token must never mean open.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(ADMIN_TOKEN) token: string | undefined) {
    this.expected = token ? digest(token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    if (!this.accepts(request.headers.authorization)) {
      throw new UnauthorizedException('a valid admin token is required (Authorization: Bearer <ADMIN_TOKEN>)');
    }
    return true;
  }

  /** Whether an Authorization header carries the admin token; never throws (for non-Nest routes). */
  accepts(header: string | string[] | undefined): boolean {
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    return !!this.expected && !!match && timingSafeEqual(digest(match[1]!), this.expected);
  }
}
