import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, HttpException, HttpStatus, Inject, Injectable, Optional, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { clientAddress } from './client-address.js';

/** Injection token of the admin token (`ADMIN_TOKEN`); undefined disables admin routes. */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/** Injection token of the AdminTokenFailures the guard charges wrong tokens to (optional). */
export const ADMIN_TOKEN_FAILURES = Symbol('ADMIN_TOKEN_FAILURES');

/**
 * Wrong admin tokens counted per client address, where every replica sees them (the gateway's
 * are in Redis). Without one, wrong tokens are not limited.
 */
export interface AdminTokenFailures {
  /**
   * One atomic step: while `address` is blocked, the seconds it stays blocked (and nothing is
   * counted); otherwise 0, after counting this attempt when `wrong`.
   */
  check(address: string, wrong: boolean): Promise<number>;
}

/** What the guard decided for one request. */
export type AdminAccess = { granted: true } | { granted: false; retryAfterSeconds?: number };

/** 429 with Retry-After (HttpErrorFilter sets it from `retryAfterSeconds`). */
export class AdminTokenBlockedException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message: `too many wrong admin tokens from this address: try again in ${retryAfterSeconds} s`,
        retryAfterSeconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of `Authorization: Bearer <token>`, if that is what the header is. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

/**
 * Admin routes require `Authorization: Bearer <ADMIN_TOKEN>`. The comparison hashes both
 * sides first so it runs in constant time whatever their lengths. Without a configured
 * token every admin request is refused: no token must never mean open.
 *
 * With AdminTokenFailures provided, a client address that presented too many wrong tokens
 * gets 429 for every token, the right one included, until its window ends: were the right
 * token still let through, each guess would still be answered (429 wrong, 200 right), and
 * the limit would slow no one. A request without a token is no guess and is not counted.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(
    @Inject(ADMIN_TOKEN) token: string | undefined,
    @Optional() @Inject(ADMIN_TOKEN_FAILURES) private readonly failures?: AdminTokenFailures,
  ) {
    this.expected = token ? digest(token) : undefined;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const access = await this.access(bearerToken(request.headers.authorization), clientAddress(request));
    if (access.granted) return true;
    if (access.retryAfterSeconds !== undefined) throw new AdminTokenBlockedException(access.retryAfterSeconds);
    throw new UnauthorizedException('a valid admin token is required (Authorization: Bearer <ADMIN_TOKEN>)');
  }

  /** The decision for a presented token from a client address, for routes outside Nest's guards (Bull Board). */
  async access(token: string | undefined, address: string): Promise<AdminAccess> {
    // No token (or an empty Basic password): no guess, nothing to count.
    if (!token) return { granted: false };
    const right = this.matches(token);
    const blockedFor = (await this.failures?.check(address, !right)) ?? 0;
    if (blockedFor > 0) return { granted: false, retryAfterSeconds: blockedFor };
    return right ? { granted: true } : { granted: false };
  }

  /** Whether an Authorization header carries the admin token; never throws, counts nothing. */
  accepts(header: string | string[] | undefined): boolean {
    const token = bearerToken(header);
    return token !== undefined && this.matches(token);
  }

  private matches(token: string): boolean {
    return !!this.expected && timingSafeEqual(digest(token), this.expected);
  }
}
