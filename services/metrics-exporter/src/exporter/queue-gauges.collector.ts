import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Queues } from '@platform/contracts';
import { MetricsService } from '@platform/metrics';
import { REDIS } from '@platform/redis';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Gauge } from 'prom-client';

/** The job states exported per queue (BullMQ's names). */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * `platform_queue_jobs{queue, state}`: how many jobs each BullMQ queue of the platform holds
 * in each state, read from Redis on every scrape (one getJobCounts per queue). `failed` are
 * the dead letters: jobs that used every attempt and wait to be inspected or replayed.
 */
@Injectable()
export class QueueGaugesCollector implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QueueGaugesCollector.name);
  private readonly queues: Queue[];
  private failing = false;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly registry: MetricsService,
  ) {
    // Read-only use of the shared connection: BullMQ leaves a shared connection open on close.
    this.queues = Object.values(Queues).map((name) => new Queue(name, { connection: redis }));
  }

  onModuleInit(): void {
    const gauge: Gauge<string> = this.registry.gauge({
      name: 'platform_queue_jobs',
      help: 'Jobs in each BullMQ queue of the platform, by state (waiting, active, delayed, failed, completed).',
      labelNames: ['queue', 'state'],
      collect: () => this.collect(gauge),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close()));
  }

  private async collect(gauge: Gauge<string>): Promise<void> {
    gauge.reset();
    try {
      const counts = await Promise.all(this.queues.map((queue) => queue.getJobCounts(...QUEUE_STATES)));
      this.queues.forEach((queue, i) => {
        for (const state of QUEUE_STATES) gauge.set({ queue: queue.name, state }, counts[i]?.[state] ?? 0);
      });
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`cannot read the queues: ${error instanceof Error ? error.message : String(error)}`);
      this.failing = true;
    }
  }
}
