import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '@platform/metrics';
import { IndexedQueues } from '@platform/queues';
import type { Gauge } from 'prom-client';

/** The job states exported per queue (BullMQ's names). */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * `platform_queue_jobs{queue, state}`: how many jobs each BullMQ queue of the platform holds
 * in each state, read from Redis on every scrape (one getJobCounts per queue). `failed` are
 * the dead letters: jobs that used every attempt and wait to be inspected or replayed. The
 * queues are those of the platform's queue index (every QueueProducer writes its queue there),
 * so a new queue is exported with no change here.
 */
@Injectable()
export class QueueGaugesCollector implements OnModuleInit {
  private readonly logger = new Logger(QueueGaugesCollector.name);
  private failing = false;

  constructor(
    private readonly queues: IndexedQueues,
    private readonly registry: MetricsService,
  ) {}

  onModuleInit(): void {
    const gauge: Gauge<string> = this.registry.gauge({
      name: 'platform_queue_jobs',
      help: 'Jobs in each BullMQ queue of the platform, by state (waiting, active, delayed, failed, completed).',
      labelNames: ['queue', 'state'],
      collect: () => this.collect(gauge),
    });
  }

  private async collect(gauge: Gauge<string>): Promise<void> {
    gauge.reset();
    try {
      const queues = await this.queues.all();
      const counts = await Promise.all(queues.map((queue) => queue.counts(QUEUE_STATES)));
      queues.forEach((queue, i) => {
        for (const state of QUEUE_STATES) gauge.set({ queue: queue.name, state }, counts[i]![state]);
      });
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`cannot read the queues: ${error instanceof Error ? error.message : String(error)}`);
      this.failing = true;
    }
  }
}
