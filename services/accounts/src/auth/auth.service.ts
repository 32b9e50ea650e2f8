import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { type Account, AccountsCounters, type LoginRequest, type LoginResult, type Registration } from '@contracts/accounts';
import { Counters } from '@platform/counters';
import { PasswordHasher } from '../users/password-hasher.js';
import { UserRepository } from '../users/user.repository.js';
import { LoginLimiter } from './login-limiter.js';

/** Registration and login. Passwords are only ever hashed or compared, never logged. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly limiter: LoginLimiter,
    private readonly counters: Counters,
  ) {}

  async register({ email, password }: Registration): Promise<Account> {
    // A cheap check first, so a taken email does not cost a hash; create() decides for real.
    if (await this.users.emailTaken(email)) throw new ConflictException('an account with this email exists');
    const user = await this.users.create(email, await this.hasher.hash(password));
    if (!user) throw new ConflictException('an account with this email exists');
    this.logger.log(`account ${user.id} registered`);
    return { id: user.id, email: user.email };
  }

  async login({ email, password, clientAddress }: LoginRequest): Promise<LoginResult> {
    const reservation = await this.limiter.reserve(email, clientAddress);
    if (!reservation.allowed) {
      this.counters.increment(AccountsCounters.logins, { result: 'locked' });
      return { outcome: 'locked', retryAfterSeconds: reservation.retryAfterSeconds };
    }
    const user = await this.users.findByEmail(email);
    const valid = user ? await this.hasher.verify(password, user.passwordHash) : await this.hasher.verifyNothing(password);
    if (!user || !valid) {
      this.counters.increment(AccountsCounters.logins, { result: 'failure' });
      return { outcome: 'failure' };
    }
    await this.limiter.release(email, clientAddress);
    if (this.hasher.needsRehash(user.passwordHash)) await this.users.setPasswordHash(user.id, await this.hasher.hash(password));
    this.counters.increment(AccountsCounters.logins, { result: 'success' });
    return { outcome: 'success', account: { id: user.id, email: user.email } };
  }
}
