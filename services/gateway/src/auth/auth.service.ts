import { HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { type Account, AccountsRpc, type Credentials, type PasswordResetConfirmation, type PasswordResetDone, type Registration } from '@contracts/accounts';
import { MetricsService } from '@platform/metrics';
import { RpcClient } from '@platform/transport';

/** Refused before the password was checked; `retryAfterSeconds` goes out as Retry-After. */
export class LoginLockedException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      { statusCode: 429, error: 'Too Many Requests', message: `too many failed logins: try again in ${retryAfterSeconds} s` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
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

  register(registration: Registration): Promise<Account> {
    return this.rpc.call(AccountsRpc.register, registration);
  }

  /**
   * The account and the credential epoch the login verified, or throws 401 (wrong
   * credentials) or LoginLockedException (429).
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
        throw new LoginLockedException(result.retryAfterSeconds);
    }
  }

  async requestPasswordReset(email: string): Promise<void> {
    await this.rpc.call(AccountsRpc.requestPasswordReset, { email });
  }

  confirmPasswordReset(confirmation: PasswordResetConfirmation): Promise<PasswordResetDone> {
    return this.rpc.call(AccountsRpc.confirmPasswordReset, confirmation);
  }
}
