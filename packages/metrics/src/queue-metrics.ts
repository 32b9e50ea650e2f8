import type { MetricsService } from './metrics.service.js';

/** What instrumentWorker needs of a BullMQ Worker (kept structural: no bullmq dependency). */
export interface WorkerLike {
  readonly name: string;
  on(event: 'completed', listener: (job: JobLike) => void): unknown;
  on(event: 'failed', listener: (job: JobLike | undefined, error: Error) => void): unknown;
}

export interface JobLike {
  readonly name: string;
  readonly processedOn?: number | undefined;
  readonly finishedOn?: number | undefined;
  readonly attemptsMade: number;
  readonly opts: { attempts?: number | undefined };
}

/** Seconds buckets for background jobs: 5 ms to 5 min. */
const JOB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

function seconds(job: JobLike): number {
  return job.processedOn !== undefined ? Math.max(0, ((job.finishedOn ?? Date.now()) - job.processedOn) / 1_000) : 0;
}

/**
 * Whether a failed attempt was the job's last: BullMQ's UnrecoverableError skips the
 * remaining attempts, so the job is dead-lettered (left in the failed set) now.
 */
export function isDeadLettered(job: JobLike, error: Error): boolean {
  return error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/**
 * Records every finished job in `queue_job_duration_seconds{queue, job, outcome}`: outcome
 * is `completed`, `retried` (failed, another attempt is scheduled) or `failed` (no attempts
 * left: the job is dead-lettered). Labels are the queue and job names only, never job ids.
 */
export function instrumentWorker(worker: WorkerLike, metrics: MetricsService): void {
  const duration = metrics.histogram({
    name: 'queue_job_duration_seconds',
    help: 'Duration of processing background jobs, by queue, job name and outcome.',
    labelNames: ['queue', 'job', 'outcome'],
    buckets: JOB_BUCKETS,
  });
  worker.on('completed', (job) => duration.observe({ queue: worker.name, job: job.name, outcome: 'completed' }, seconds(job)));
  worker.on('failed', (job, error) => {
    if (!job) return;
    duration.observe({ queue: worker.name, job: job.name, outcome: isDeadLettered(job, error) ? 'failed' : 'retried' }, seconds(job));
  });
}
