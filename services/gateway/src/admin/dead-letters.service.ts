import { Injectable } from '@nestjs/common';
import { NotificationsQueues } from '@contracts/notifications';
import { InjectQueueInspector, type QueueInspector } from '@platform/queues';
import type { Job } from 'bullmq';

/** Most jobs one replay request moves back: a larger backlog is replayed in several calls. */
export const MAX_REPLAY = 1_000;

export interface DeadLetter {
  id: string;
  name: string;
  template: string | undefined;
  to: string | undefined;
  failedReason: string;
  attemptsMade: number;
  failedAt: string | undefined;
}

/**
 * The email queue's dead letters: jobs in BullMQ's failed set, which a job enters only when
 * it has no attempt left (or failed for good: an invalid job, a relay's permanent refusal).
 * Retention is bounded by the jobs' removeOnFail (EMAIL_JOB_POLICY).
 */
@Injectable()
export class DeadLettersService {
  constructor(@InjectQueueInspector(NotificationsQueues.email) private readonly queue: QueueInspector) {}

  async list(limit: number): Promise<{ queue: string; total: number; jobs: DeadLetter[] }> {
    const queue = this.queue;
    const [total, jobs] = await Promise.all([queue.failedCount(), queue.failed(0, limit - 1)]);
    return { queue: queue.name, total, jobs: jobs.map(describe) };
  }

  /**
   * Moves dead letters back to waiting with a fresh set of attempts (the cause, say the SMTP
   * relay, is presumably fixed). Without ids, the oldest MAX_REPLAY of them. A job that is no
   * longer dead (replayed meanwhile, removed) is reported as skipped. Delivery is idempotent,
   * so replaying an email that did go out does not send it again.
   */
  async replay(ids: readonly string[] | undefined): Promise<{ replayed: string[]; skipped: string[]; remaining: number }> {
    const queue = this.queue;
    const jobs: Array<[string, Job | undefined]> = ids
      ? await Promise.all(ids.map(async (id) => [id, await queue.job(id)] as [string, Job | undefined]))
      : (await queue.failed(0, MAX_REPLAY - 1)).map((job) => [job.id!, job]);
    const replayed: string[] = [];
    const skipped: string[] = [];
    for (const [id, job] of jobs) {
      try {
        if (!job) throw new Error('no such job');
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        replayed.push(id);
      } catch {
        skipped.push(id);
      }
    }
    return { replayed, skipped, remaining: await queue.failedCount() };
  }
}

function describe(job: Job): DeadLetter {
  const data = (job.data ?? {}) as { template?: unknown; to?: unknown };
  return {
    id: job.id!,
    name: job.name,
    template: typeof data.template === 'string' ? data.template : undefined,
    to: typeof data.to === 'string' ? data.to : undefined,
    failedReason: job.failedReason,
    attemptsMade: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
  };
}
