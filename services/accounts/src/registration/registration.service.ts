import { BadRequestException, ConflictException, Injectable, Logger } from '@nestjs/common';
import { type Account, emailDigest, type RegistrationRequest, type RegistrationResult } from '@contracts/accounts';
import { emailJobId, EmailJobs, NotificationsQueues } from '@contracts/notifications';
import { throwIfExpired } from '@platform/deadlines';
import { LiveConfig } from '@platform/live-config';
import { InjectQueueProducer, type QueueProducer } from '@platform/queues';
import { AuthSettings } from '../auth-settings.js';
import { HashingSlots } from '../users/hashing-slots.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UserRepository } from '../users/user.repository.js';
import { PendingRegistrations } from './pending-registrations.js';
import { RegistrationLimiter } from './registration-limiter.js';

/**
 * Registration by email. A registration is not an account: it waits, with its password's
 * hash, for the owner of the address to confirm it with the token mailed there, and Redis
 * forgets it after `auth.verificationTtlSeconds`. Until confirmed nobody can log into it, so
 * it gets no other email (no watch, no reset). A taken email is answered exactly like a free
 * one, after the same work (the password is hashed either way), and its owner is told by
 * email instead: the answer never says who has an account.
 */
@Injectable()
export class RegistrationService {
  private readonly logger = new Logger(RegistrationService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly pending: PendingRegistrations,
    private readonly limiter: RegistrationLimiter,
    private readonly hasher: PasswordHasher,
    private readonly hashing: HashingSlots,
    @InjectQueueProducer(NotificationsQueues.email) private readonly emails: QueueProducer<typeof NotificationsQueues.email>,
    private readonly config: LiveConfig,
  ) {}

  /** Refused whole (503) when hashing is saturated: nothing is charged or sent then. */
  register(request: RegistrationRequest): Promise<RegistrationResult> {
    return this.hashing.run('registering an account', () => this.registerWithSlot(request));
  }

  private async registerWithSlot({ email, password, clientAddress }: RegistrationRequest): Promise<RegistrationResult> {
    // Charged before the hash: a flood of registrations is refused before it costs CPU.
    const retryAfterSeconds = await this.limiter.take(clientAddress);
    if (retryAfterSeconds > 0) return { outcome: 'limited', retryAfterSeconds };
    const passwordHash = await this.hasher.hash(password);
    // Past its caller's deadline the email would go out behind a 504: nothing sent then.
    throwIfExpired('registering the account');
    if (await this.users.emailTaken(email)) await this.tellOwner(email);
    else await this.sendVerification(email, passwordHash);
    return { outcome: 'accepted' };
  }

  /** The account a verification token makes; 400 for an unknown, expired or used token, 409 when the email has an account. */
  async confirm(token: string): Promise<Account> {
    const registration = await this.pending.find(token);
    if (!registration) {
      const made = await this.users.findByRegistration(this.pending.hashOf(token));
      if (made) return { id: made.id, email: made.email };
      throw new BadRequestException('the verification token is invalid, expired or already used');
    }
    const user = await this.users.createFromRegistration(registration);
    if (user === 'taken') throw new ConflictException('an account with this email exists');
    if (user === 'unknown') throw new BadRequestException('the verification token is invalid, expired or already used');
    this.logger.log(`account ${user.id} registered`);
    return { id: user.id, email: user.email };
  }

  private async sendVerification(email: string, passwordHash: string): Promise<void> {
    const { token, tokenHash, expiresAt } = await this.pending.hold(email, passwordHash, this.config.get(AuthSettings, 'verificationTtlSeconds'));
    // One email per token however often this add is retried; deleted once sent (it carries the token).
    await this.emails.add(
      EmailJobs.send,
      { template: 'verify-email', to: email, data: { token, expiresAt: expiresAt.toISOString() } },
      { jobId: emailJobId('verify-email', tokenHash), deleteOnComplete: true },
    );
  }

  /** At most one "you already have an account" email per `auth.resetEmailIntervalSeconds`, so registering cannot flood an owner's inbox. */
  private async tellOwner(email: string): Promise<void> {
    const intervalMs = this.config.get(AuthSettings, 'resetEmailIntervalSeconds') * 1_000;
    const id = emailJobId('account-exists', emailDigest(email));
    await this.emails.add(EmailJobs.send, { template: 'account-exists', to: email, data: {} }, intervalMs > 0 ? { once: { id, ttlMs: intervalMs } } : {});
  }
}
