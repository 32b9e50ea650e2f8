import type { OnApplicationShutdown } from '@nestjs/common';
import { type JobData, type JobName, jobOptions, type QueueContract } from '@platform/contracts';
import { describeIssues } from '@platform/validation';
import { bullmqTelemetry } from '@platform/telemetry';
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { indexQueue } from './queue-index.js';

export interface QueueProducerOptions {
  /** Overrides of the contract's attempts and first backoff delay (a service's env, e.g. in tests). */
  retry?: { attempts?: number | undefined; backoffDelayMs?: number | undefined };
}

export interface AddJobOptions {
  /** A deterministic id: adding the same id again makes no second job (BullMQ ignores it). */
  jobId?: string;
  /** Delete the job as soon as it completes instead of keeping it: its data carries a secret. */
  deleteOnComplete?: boolean;
  /**
   * At most one job under this id per `ttlMs` (BullMQ's deduplication): an add within that
   * time, even after the first job completed, makes none. For notices that must not flood
   * an inbox however often something triggers them.
   */
  once?: { id: string; ttlMs: number };
}

export interface JobToAdd<Q extends QueueContract, N extends JobName<Q> = JobName<Q>> {
  name: N;
  data: JobData<Q, N>;
  options?: AddJobOptions;
}

/** A job whose data does not match its queue's contract: a bug in the producer, never retried. */
export class InvalidJobError extends Error {
  override readonly name = 'InvalidJobError';
}

/**
 * The one way to add jobs to a platform queue. Every job is checked against its schema in
 * the queue's contract and added with the contract's policy (attempts, exponential backoff
 * with jitter, retention), and, while tracing is on, as a PRODUCER span whose context travels
 * in the job (bullmq-otel), so the worker's CONSUMER span continues the producer's trace.
 *
 * The connection is the caller's and stays open when the producer closes (BullMQ leaves a
 * shared connection alone); it should fail fast (role `command`), so a request that enqueues
 * answers an error during an outage instead of hanging.
 */
export class QueueProducer<Q extends QueueContract> implements OnApplicationShutdown {
  private readonly queue: Queue;
  /** Set once the queue is in the platform's queue index (one HSET, before the first job). */
  private indexed: Promise<void> | undefined;

  constructor(
    readonly contract: Q,
    private readonly connection: Redis,
    private readonly options: QueueProducerOptions = {},
  ) {
    this.queue = new Queue(contract.name, { connection, telemetry: bullmqTelemetry() });
  }

  /** Adds one job; resolves once it is in Redis. */
  async add<N extends JobName<Q>>(name: N, data: JobData<Q, N>, options: AddJobOptions = {}): Promise<void> {
    const valid = this.validate(name, data);
    await this.ensureIndexed();
    await this.queue.add(name, valid, this.jobOptions(options));
  }

  /** Adds the jobs in one round trip (one PRODUCER span for the batch). */
  async addBulk(jobs: ReadonlyArray<JobToAdd<Q>>): Promise<void> {
    if (jobs.length === 0) return;
    const valid = jobs.map(({ name, data, options }) => ({ name, data: this.validate(name, data), opts: this.jobOptions(options ?? {}) }));
    await this.ensureIndexed();
    await this.queue.addBulk(valid);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }

  /** Indexes the queue once; a failure (Redis down) is retried by the next add. */
  private ensureIndexed(): Promise<void> {
    this.indexed ??= indexQueue(this.connection, this.contract).catch((error: unknown) => {
      this.indexed = undefined;
      throw error;
    });
    return this.indexed;
  }

  private validate(name: string, data: unknown): unknown {
    const schema = this.contract.jobs[name];
    if (!schema) throw new InvalidJobError(`the ${this.contract.name} queue has no job named "${name}"`);
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new InvalidJobError(`invalid ${this.contract.name}.${name} job: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  private jobOptions({ jobId, deleteOnComplete = false, once }: AddJobOptions): JobsOptions {
    const options = jobOptions(this.contract.policy, jobId, this.options.retry);
    return {
      ...options,
      ...(deleteOnComplete && { removeOnComplete: true }),
      ...(once && { deduplication: { id: once.id, ttl: once.ttlMs } }),
    };
  }
}
