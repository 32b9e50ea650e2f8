import type { OnApplicationShutdown } from '@nestjs/common';
import { defineQueue, type JobPolicy, type QueueContract } from '@platform/contracts';
import { type Job, type JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** The job states BullMQ counts (its names: waiting, active, delayed, failed, completed, ...). */
export type JobState = JobType;

/** An inspector adds no jobs, so the policy of a queue it knows only by name is never used. */
const NO_POLICY: JobPolicy = { attempts: 1, backoffDelayMs: 0, backoffJitter: 0, keepCompleted: { age: 0, count: 0 }, keepFailed: { age: 0, count: 0 } };

/**
 * Reads a platform queue: counts by state, the failed set (the dead letters), one job. It
 * never adds jobs, so it carries no job options and no producer tracing; what an operator
 * does with a job it returns (a replay: `job.retry()`) is that operator's explicit act.
 * The connection is the caller's and stays open when the inspector closes.
 */
export class QueueInspector implements OnApplicationShutdown {
  /**
   * The BullMQ handle, for tools that take one (Bull Board's adapter). Not for adding
   * jobs: that is QueueProducer's, with the contract's options and the trace context.
   */
  readonly queue: Queue;

  constructor(
    readonly contract: QueueContract,
    connection: Redis,
  ) {
    this.queue = new Queue(contract.name, { connection });
  }

  /**
   * An inspector of a queue known only by name (found in the queue index): counts and jobs
   * need no schema, so a reader of every queue needs no contract of any.
   */
  static ofName(name: string, connection: Redis): QueueInspector {
    return new QueueInspector(defineQueue(name, { jobs: {}, policy: NO_POLICY }), connection);
  }

  get name(): string {
    return this.contract.name;
  }

  /** How many jobs are in each of `states` (one round trip). */
  async counts<S extends JobState>(states: readonly S[]): Promise<Record<S, number>> {
    const counts = await this.queue.getJobCounts(...states);
    return Object.fromEntries(states.map((state) => [state, counts[state] ?? 0])) as Record<S, number>;
  }

  /** How many jobs are dead-lettered (in the failed set). */
  failedCount(): Promise<number> {
    return this.queue.getFailedCount();
  }

  /** The dead letters from `start` to `end` (inclusive), newest first. */
  failed(start: number, end: number): Promise<Job[]> {
    return this.queue.getFailed(start, end);
  }

  /** The jobs in `states`, from `start` to `end` (inclusive; -1: the last). */
  jobs(states: readonly JobState[], start = 0, end = -1): Promise<Job[]> {
    return this.queue.getJobs([...states], start, end);
  }

  /** One job by id, or undefined when there is none (anymore). */
  async job(id: string): Promise<Job | undefined> {
    return (await this.queue.getJob(id)) ?? undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
