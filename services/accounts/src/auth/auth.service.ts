import { Injectable } from '@nestjs/common';
import { AccountsCounters, type LoginRequest, type LoginResult } from '@contracts/accounts';
import { Counters } from '@platform/counters';
import { HashingSlots } from '../users/hashing-slots.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UserRepository } from '../users/user.repository.js';
import { LoginLimiter } from './login-limiter.js';

/** Login. Passwords are only ever hashed or compared, never logged. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly hashing: HashingSlots,
    private readonly limiter: LoginLimiter,
    private readonly counters: Counters,
  ) {}

  /** Refused whole (503) when hashing is saturated: no attempt is charged then. */
  login(request: LoginRequest): Promise<LoginResult> {
    return this.hashing.run('logging in', () => this.checkCredentials(request));
  }

  private async checkCredentials({ email, password, clientAddress }: LoginRequest): Promise<LoginResult> {
    const reservation = await this.limiter.reserve(email, clientAddress);
    if (!reservation.allowed) return this.locked(reservation.retryAfterSeconds);
    const user = await this.users.findByEmail(email);
    const valid = user ? await this.hasher.verify(password, user.passwordHash) : await this.hasher.verifyNothing(password);
    if (!user || !valid) {
      this.counters.increment(AccountsCounters.logins, { result: 'failure' });
      return { outcome: 'failure' };
    }
    // The right password, and yet refused when the account has logged in too often lately: a
    // stolen password must not mint sessions at will. Counted only now, so failures never use
    // it up, and in the same step as the check, so concurrent logins cannot overshoot it.
    const admitted = await this.limiter.succeeded(email, clientAddress);
    if (!admitted.allowed) return this.locked(admitted.retryAfterSeconds);
    if (this.hasher.needsRehash(user.passwordHash)) await this.users.replaceUnchangedHash(user.id, user.passwordHash, await this.hasher.hash(password));
    this.counters.increment(AccountsCounters.logins, { result: 'success' });
    // The epoch read with the hash just verified, not a fresh one: a reset that landed during
    // the verification makes this session one epoch old, and the gateway refuses it.
    return { outcome: 'success', account: { id: user.id, email: user.email }, credentialEpoch: user.credentialEpoch };
  }

  private locked(retryAfterSeconds: number): LoginResult {
    this.counters.increment(AccountsCounters.logins, { result: 'locked' });
    return { outcome: 'locked', retryAfterSeconds };
  }
}
