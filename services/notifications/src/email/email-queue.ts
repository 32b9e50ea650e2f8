import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type EmailJob, EmailJobs, emailJobOptions, Queues } from '@platform/contracts';
import { closeRedis, createRedis, warnOnNewError } from '@platform/redis';
import { bullmqTelemetry } from '@platform/telemetry';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NotificationsConfig } from '../config.js';
import { NOTIFICATIONS_CONFIG } from '../notifications.constants.js';

export interface EmailToSend {
  /** Deterministic (emailJobId): the same email requested twice is one job. */
  jobId: string;
  email: EmailJob;
}

/**
 * Puts email jobs on the queue. A producer of its own rather than the queue registered with
 * BullModule: @nestjs/bullmq gives the worker that queue's connection, which must wait for
 * Redis through an outage (role `blocking`), while a producer's must fail fast (`command`).
 */
@Injectable()
export class EmailQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(EmailQueue.name);
  private readonly connection: Redis;
  private readonly queue: Queue;

  constructor(@Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig) {
    this.connection = createRedis(config.redis, 'command', 'notifications:email-producer', {
      onError: warnOnNewError(this.logger, 'email queue connection'),
    });
    this.queue = new Queue(Queues.email, { connection: this.connection, telemetry: bullmqTelemetry() });
  }

  /** Whether jobs can be added now (for readiness). */
  get isConnected(): boolean {
    return this.connection.status === 'ready';
  }

  /** Adds the emails in one round trip; an id already in the queue is left as it is. */
  async add(emails: readonly EmailToSend[]): Promise<void> {
    if (emails.length === 0) return;
    const retry = { attempts: this.config.EMAIL_ATTEMPTS, backoffDelayMs: this.config.EMAIL_BACKOFF_MS };
    await this.queue.addBulk(
      emails.map(({ jobId, email }) => ({ name: EmailJobs.send, data: email, opts: emailJobOptions(jobId, retry) })),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await closeRedis(this.connection);
  }
}
