import { HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import {
  type Account,
  AccountsEvents,
  AccountsRpc,
  type Credentials,
  emailDigest,
  type PasswordResetConfirmation,
  type PasswordResetDone,
  type Registration,
} from '@contracts/accounts';
import { MetricsService } from '@platform/metrics';
import { RpcClient } from '@platform/transport';

/** Refused by a limit before any work was done; `retryAfterSeconds` goes out as Retry-After. */
export class TooManyAttemptsException extends HttpException {
  constructor(
    what: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ statusCode: 429, error: 'Too Many Requests', message: `too many ${what}: try again in ${retryAfterSeconds} s` }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** The gateway's side of accounts: credentials are checked by accounts, sessions kept here. */
@Injectable()
export class AuthService {
  private readonly attempts;

  constructor(
    private readonly rpc: RpcClient,
    metrics: MetricsService,
  ) {
    this.attempts = metrics.counter({
      name: 'auth_login_attempts_total',
      help: 'Login attempts through this gateway replica, by result (the platform-wide total is platform_logins_total).',
      labelNames: ['result'],
    });
  }

  /** Resolves alike for a free and a taken email; throws TooManyAttemptsException (429) when limited. */
  async register(registration: Registration, clientAddress: string): Promise<void> {
    const result = await this.rpc.call(AccountsRpc.register, { ...registration, clientAddress });
    if (result.outcome === 'limited') throw new TooManyAttemptsException('registrations', result.retryAfterSeconds);
  }

  confirmRegistration(token: string): Promise<Account> {
    return this.rpc.call(AccountsRpc.confirmRegistration, { token });
  }

  /**
   * The account and the credential epoch the login verified, or throws 401 (wrong
   * credentials) or TooManyAttemptsException (429).
   */
  async login(credentials: Credentials, clientAddress: string): Promise<{ account: Account; credentialEpoch: number }> {
    const result = await this.rpc.call(AccountsRpc.login, { ...credentials, clientAddress });
    this.attempts.inc({ result: result.outcome });
    switch (result.outcome) {
      case 'success':
        return { account: result.account, credentialEpoch: result.credentialEpoch };
      case 'failure':
        throw new UnauthorizedException('wrong email or password');
      case 'locked':
        throw new TooManyAttemptsException('login attempts', result.retryAfterSeconds);
    }
  }

  /**
   * Publishes the request (only the email's digest) for accounts, and resolves once it is
   * stored: the same work whether or not the email has an account, so neither the answer nor
   * its timing tells.
   */
  async requestPasswordReset(email: string): Promise<void> {
    await this.rpc.emit(AccountsEvents.passwordResetRequested, { emailDigest: emailDigest(email) });
  }

  confirmPasswordReset(confirmation: PasswordResetConfirmation): Promise<PasswordResetDone> {
    return this.rpc.call(AccountsRpc.confirmPasswordReset, confirmation);
  }
}
