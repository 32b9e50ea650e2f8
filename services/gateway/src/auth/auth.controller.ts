import { Body, Controller, ForbiddenException, Get, HttpCode, HttpStatus, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { Account, Credentials, PasswordResetConfirmation, PasswordResetRequest, Registration, RegistrationConfirmation } from '@contracts/accounts';
import { EmailAddress } from '@contracts/notifications';
import { clientAddress, Returns } from '@platform/http';
import { SkipIdempotency } from '@platform/idempotency';
import { ZodValidationPipe } from '@platform/validation';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG } from '../gateway.constants.js';
import { AccountSessions } from './account-sessions.js';
import { AuthService, TooManyAttemptsException } from './auth.service.js';
import { CurrentUser } from './current-user.decorator.js';
import { SessionGuard } from './session.guard.js';
import { canSetSessionCookie, sessionCookieName, UsesSession } from './sessions.js';
import type { SessionUser } from './session-user.js';

/** What `POST /auth/register` answers, whether the email was free or taken. */
const RegistrationAccepted = z.object({ message: z.string() }).strict();

/** Runs `work`; a TooManyAttemptsException it throws leaves with its Retry-After header. */
async function withRetryAfter<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TooManyAttemptsException) void reply.header('Retry-After', String(error.retryAfterSeconds));
    throw error;
  }
}

/** What login and `GET /auth/me` answer: who the session belongs to, nothing else. */
const SessionOwner = z.object({ email: EmailAddress }).strict();

/** `/auth/*`: accounts and sessions (see the product contract). */
@Controller('auth')
export class AuthController {
  private readonly cookieName: string;
  private readonly secureCookie: boolean;

  constructor(
    private readonly auth: AuthService,
    private readonly accountSessions: AccountSessions,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.cookieName = sessionCookieName(config.COOKIE_SECURE);
    this.secureCookie = config.COOKIE_SECURE;
  }

  /**
   * 202 alike for a free and a taken email: the email tells which (a verification token, or
   * "you already have an account"). 429 with Retry-After past the registration limits.
   */
  @Post('register')
  @HttpCode(HttpStatus.ACCEPTED)
  @Returns(RegistrationAccepted)
  async register(
    @Body(new ZodValidationPipe(Registration)) registration: Registration,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await withRetryAfter(reply, () => this.auth.register(registration, clientAddress(request)));
    return { message: 'check your email to finish registering' };
  }

  /** The account the verification token makes; 400 for a used, expired or unknown token. */
  @Post('register/confirm')
  @Returns(Account)
  confirmRegistration(@Body(new ZodValidationPipe(RegistrationConfirmation)) { token }: RegistrationConfirmation) {
    return this.auth.confirmRegistration(token);
  }

  /**
   * A new session id on every login (regenerate: the old one is deleted from Redis), so a
   * session id planted before login (session fixation) is worthless after it. The login that
   * makes one session more than `sessions.maxPerAccount` ends the account's oldest. No
   * Idempotency-Key: the answer that matters is its session cookie, which is never stored,
   * so a replay would answer 200 without a session; a second login is harmless anyway.
   *
   * A login whose cookie could not be set (a Secure cookie, a request that did not come over
   * HTTPS) is refused first, before the password is checked or a session written: answered
   * 200, it would look like a login and leave the client without a session (and an empty one
   * in Redis).
   */
  @Post('login')
  @UsesSession()
  @SkipIdempotency()
  @HttpCode(HttpStatus.OK)
  @Returns(SessionOwner)
  async login(
    @Body(new ZodValidationPipe(Credentials)) credentials: Credentials,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!canSetSessionCookie(request, this.secureCookie)) {
      throw new ForbiddenException(
        'this connection is not HTTPS: the session cookie is Secure (COOKIE_SECURE), so log in over HTTPS ' +
          '(behind a TLS-terminating proxy that TRUST_PROXY names and that sends X-Forwarded-Proto: https)',
      );
    }
    // X-Forwarded-For only from the proxies TRUST_PROXY names, ports and brackets stripped.
    const { account, credentialEpoch } = await withRetryAfter(reply, () => this.auth.login(credentials, clientAddress(request)));
    await request.session.regenerate();
    request.session.set('user', account);
    // The epoch of the password this login verified: SessionGuard refuses the session once
    // the password changes, even if the change landed while this login was still running.
    request.session.set('credentialEpoch', credentialEpoch);
    // Stored now rather than as the answer goes out: the store indexes it under the account
    // and ends the oldest beyond the cap (AccountSessions), and a Redis failure is this
    // login's 503 rather than an answer without its session.
    await request.session.save();
    // The cookie this answer sets replaces the one the request came with. Forgotten here, or
    // @fastify/session (seeing a saved, unmodified session under another id) would also send a
    // Set-Cookie clearing the old one in the same answer.
    delete request.cookies[this.cookieName];
    return { email: account.email };
  }

  @Get('me')
  @UsesSession()
  @UseGuards(SessionGuard)
  @Returns(SessionOwner)
  me(@CurrentUser() user: SessionUser) {
    return { email: user.email };
  }

  /**
   * Deletes the session from Redis and clears the cookie; 204 with or without a session. No
   * Idempotency-Key: a replay (to another session of the account) would neither end that
   * session nor clear its cookie.
   */
  @Post('logout')
  @UsesSession()
  @SkipIdempotency()
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const user = request.session.user;
    if (user) await this.accountSessions.remove(user.id, request.session.sessionId);
    await request.session.destroy();
    void reply.clearCookie(this.cookieName, { path: '/' });
  }

  /** 202 whether or not the account exists: the answer never tells who has an account. */
  @Post('password-reset')
  @HttpCode(HttpStatus.ACCEPTED)
  async requestPasswordReset(@Body(new ZodValidationPipe(PasswordResetRequest)) { email }: z.output<typeof PasswordResetRequest>) {
    await this.auth.requestPasswordReset(email);
    return { message: 'if an account exists for this email, a reset link is on its way' };
  }

  /**
   * Also ends every session of the account, on every gateway replica (they share Redis): clean-up
   * only. What logs out the old password is the credential epoch (SessionGuard), which holds
   * even when this confirm times out or a login finishes after endAll.
   */
  @Post('password-reset/confirm')
  @HttpCode(HttpStatus.NO_CONTENT)
  async confirmPasswordReset(@Body(new ZodValidationPipe(PasswordResetConfirmation)) confirmation: PasswordResetConfirmation): Promise<void> {
    const { accountId } = await this.auth.confirmPasswordReset(confirmation);
    await this.accountSessions.endAll(accountId);
  }
}
