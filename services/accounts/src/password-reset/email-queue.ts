import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type EmailJob, EmailJobs, emailJobOptions, Queues } from '@platform/contracts';
import { REDIS } from '@platform/redis';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The producer side of the email queue (notifications runs the worker). Jobs are added
 * with the platform's retry policy and a deterministic id, so adding the same email twice
 * (a retried request) makes one job. Uses the service's REDIS connection: a producer only
 * runs short commands, and BullMQ leaves a shared connection open when it closes.
 */
@Injectable()
export class EmailQueue implements OnApplicationShutdown {
  private readonly queue: Queue<EmailJob>;

  constructor(@Inject(REDIS) redis: Redis) {
    this.queue = new Queue<EmailJob>(Queues.email, { connection: redis });
  }

  /**
   * Enqueues one email; resolves once the job is in Redis. A job that carries a secret (a
   * reset token) is deleted as soon as it is sent, instead of being kept with the completed
   * jobs; notifications' own sent-marker keeps delivery at most once without it.
   */
  async add(email: EmailJob, jobId: string, { carriesSecret = false }: { carriesSecret?: boolean } = {}): Promise<void> {
    await this.queue.add(EmailJobs.send, email, { ...emailJobOptions(jobId), ...(carriesSecret ? { removeOnComplete: true } : {}) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
