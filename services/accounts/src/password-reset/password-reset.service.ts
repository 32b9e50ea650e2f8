import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { type PasswordResetConfirmation } from '@contracts/accounts';
import { emailJobId, EmailJobs, NotificationsQueues } from '@contracts/notifications';
import { LiveConfig } from '@platform/live-config';
import { InjectQueueProducer, type QueueProducer } from '@platform/queues';
import { AuthSettings } from '../auth-settings.js';
import { LoginLimiter } from '../auth/login-limiter.js';
import { HashingSlots } from '../users/hashing-slots.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UserRepository } from '../users/user.repository.js';
import { ResetEmailInterval } from './reset-email-interval.js';
import { ResetTokens } from './reset-tokens.js';

/**
 * Password reset by email. Requests arrive as events (password-reset.requested, carrying the
 * email's digest) the gateway published before answering 202: the route did the same work
 * whoever has an account, and what happens here is not timed by the caller. Requests for one
 * account within `auth.resetEmailIntervalSeconds` after an email went out send nothing more.
 */
@Injectable()
export class PasswordResetService {
  private readonly logger = new Logger(PasswordResetService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly hashing: HashingSlots,
    private readonly tokens: ResetTokens,
    private readonly interval: ResetEmailInterval,
    @InjectQueueProducer(NotificationsQueues.email) private readonly emails: QueueProducer<typeof NotificationsQueues.email>,
    private readonly limiter: LoginLimiter,
    private readonly config: LiveConfig,
  ) {}

  /** Handles a request: an email goes out only when the account exists. Throws (and is retried) when Redis fails. */
  async request(emailDigest: string): Promise<void> {
    const user = await this.users.findByEmailDigest(emailDigest);
    if (!user) {
      this.logger.debug('password reset requested for an unknown email: nothing sent');
      return;
    }
    const intervalSeconds = this.config.get(AuthSettings, 'resetEmailIntervalSeconds');
    if (!(await this.interval.take(user.id, intervalSeconds))) {
      this.logger.log(`password reset for account ${user.id}: an email went out less than ${intervalSeconds} s ago, nothing sent`);
      return;
    }
    try {
      const { token, tokenHash, expiresAt } = await this.tokens.issue(user.id, this.config.get(AuthSettings, 'resetTokenTtlSeconds'));
      // The job id comes from the token: one email per token, however often this add is
      // retried. The job carries the token, so it is deleted once sent rather than kept with
      // the completed jobs; notifications' sent-marker keeps delivery at most once without it.
      await this.emails.add(
        EmailJobs.send,
        { template: 'password-reset', to: user.email, data: { token, expiresAt: expiresAt.toISOString() } },
        { jobId: emailJobId('password-reset', tokenHash), deleteOnComplete: true },
      );
    } catch (error) {
      // Nothing was queued: free the slot so a retry can send. If Redis is what failed, this
      // fails too and the slot simply expires; the caller sees the original error.
      await this.interval.giveBack(user.id).catch(() => undefined);
      throw error;
    }
    this.logger.log(`password reset email queued for account ${user.id}`);
  }

  /** The id of the account whose password was reset. Refused whole (503) when hashing is saturated: the token is not spent then. */
  confirm(confirmation: PasswordResetConfirmation): Promise<string> {
    return this.hashing.run('resetting a password', () => this.resetPassword(confirmation));
  }

  private async resetPassword({ token, password }: PasswordResetConfirmation): Promise<string> {
    // Read, not spent: the change below spends it, so a confirm that fails before the change
    // (Redis unreachable, the hash refused) leaves the token for a retry.
    const reset = await this.tokens.accountFor(token);
    const user = reset ? await this.users.findById(reset.accountId) : undefined;
    if (!reset || !user) throw new BadRequestException('the reset token is invalid, expired or already used');
    // The hash, the epoch that outdates every session made with the old password, the token
    // spent and the end of every other reset token change together: whatever the caller hears
    // (204, 504, 503), once the new password is stored no old session or token is honoured.
    // A concurrent confirm of the same token that got there first: refused here.
    const epoch = await this.users.changePassword(user.id, await this.hasher.hash(password), reset.tokenHash);
    if (epoch === undefined) throw new BadRequestException('the reset token is invalid, expired or already used');
    // Whoever holds the mailbox may log in now, even if someone else tripped the email's limit.
    await this.limiter.forgetEmail(user.email);
    this.logger.log(`password reset for account ${user.id}`);
    return user.id;
  }
}
