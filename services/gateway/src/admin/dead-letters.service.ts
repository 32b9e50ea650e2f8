import { Injectable, NotFoundException } from '@nestjs/common';
import { IndexedQueues, type QueueInspector } from '@platform/queues';
import type { Job } from 'bullmq';
import { type DeadLetterList, deadLetterOf, type ReplayOutcome } from './dead-letter.js';

/** Most jobs one replay request moves back: a larger backlog is replayed in several calls. */
export const MAX_REPLAY = 1_000;

/**
 * The dead letters of any queue of the platform: jobs in BullMQ's failed set, which a job
 * enters only when it has no attempt left (or failed for good: an invalid job, a permanent
 * refusal). Retention is bounded by the queue's policy (`keepFailed` of its contract).
 */
@Injectable()
export class DeadLettersService {
  constructor(private readonly queues: IndexedQueues) {}

  async list(queueName: string, limit: number): Promise<DeadLetterList> {
    const queue = await this.indexed(queueName);
    const [total, jobs] = await Promise.all([queue.failedCount(), queue.failed(0, limit - 1)]);
    return { queue: queue.name, total, jobs: jobs.map(deadLetterOf) };
  }

  /**
   * Moves dead letters back to waiting with a fresh set of attempts (the cause is presumably
   * fixed). Without ids, the newest MAX_REPLAY of them (BullMQ lists the failed set newest
   * first). A job that is no longer dead (replayed meanwhile, removed) is reported as skipped.
   * A replayed job may have done part of its work before it failed: the platform's workers
   * are idempotent for that reason (a crashed worker's job runs again too).
   */
  async replay(queueName: string, ids: readonly string[] | undefined): Promise<ReplayOutcome> {
    const queue = await this.indexed(queueName);
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

  /** A name the index lacks is a 404 before any BullMQ handle exists: nothing is created for it. */
  private async indexed(name: string): Promise<QueueInspector> {
    const queue = await this.queues.find(name);
    if (!queue) {
      throw new NotFoundException(`no queue "${name}" in the platform's queue index (a queue is listed once a QueueProducer has added a job to it)`);
    }
    return queue;
  }
}
