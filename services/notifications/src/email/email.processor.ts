import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { describeIssues } from '@platform/validation';
import { EmailJob, EmailJobs, NotificationsCounters, NotificationsQueues } from '@contracts/notifications';
import { Counters } from '@platform/counters';
import { instrumentWorker, isDeadLettered, MetricsService } from '@platform/metrics';
import { closeRedis } from '@platform/redis';
import { type Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { EMAIL_WORKER_CONCURRENCY, EMAIL_WORKER_REDIS, MAIL_TRANSPORT } from './email.constants.js';
import { type DeliveryOutcome, EmailDelivery } from './email-delivery.service.js';
import type { MailTransport } from './mail-transport.js';

/** The worker settings that come from the service's configuration. */
export interface EmailWorkerSettings {
  /** How often the worker looks for jobs whose worker died (their lock expired) and queues them again. */
  stalledCheckMs: number;
}

/**
 * The email queue's worker. Transport glue only: validate the job, hand it to EmailDelivery.
 * Retries, backoff and retention come with each job (EMAIL_JOB_POLICY); a job that keeps
 * failing ends in the failed set, replayable from the gateway's admin routes or Bull Board.
 *
 * Not a worker by itself: `emailWorkerWith(settings)` makes it one (see there why).
 */
@Injectable()
export class EmailProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EmailProcessor.name);

  constructor(
    private readonly delivery: EmailDelivery,
    private readonly counters: Counters,
    private readonly metrics: MetricsService,
    @Inject(EMAIL_WORKER_REDIS) private readonly connection: Redis,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
  ) {
    super();
  }

  async process(job: Job): Promise<DeliveryOutcome> {
    if (job.name !== EmailJobs.send) throw new UnrecoverableError(`no handler for job "${job.name}" on the ${NotificationsQueues.email.name} queue`);
    const email = EmailJob.safeParse(job.data);
    if (!email.success) throw new UnrecoverableError(`invalid email job: ${describeIssues(email.error)}`);
    return this.delivery.deliver(job.id!, email.data);
  }

  @OnWorkerEvent('completed')
  onCompleted(job: Job, outcome: DeliveryOutcome): void {
    if (outcome === 'sent') this.counters.increment(NotificationsCounters.emails, { status: 'sent' });
    // Debug, not info: a line per email would cost a large share of a job's CPU at the default
    // level; the counter and the job-duration histogram say how many went out. Failures stay
    // at warn and error (onFailed).
    this.logger.debug(`email job ${job.id} (${job.data?.template}): ${outcome}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    if (!job) return;
    if (isDeadLettered(job, error)) {
      this.counters.increment(NotificationsCounters.emails, { status: 'failed' });
      this.logger.error(`email job ${job.id} dead-lettered after ${job.attemptsMade} attempt(s): ${error.message}`);
    } else {
      this.logger.warn(`email job ${job.id} attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1} failed, will retry: ${error.message}`);
    }
  }

  /** After every module's init: the worker exists by then (BullModule creates it on init). */
  onApplicationBootstrap(): void {
    instrumentWorker(this.worker, this.metrics);
  }

  /**
   * Stops taking jobs and waits for the running ones (BullMQ's graceful close), then closes
   * what they used: the mail transport and the worker's connection, which BullMQ does not
   * own. In this order and in one place, because Nest runs a module's shutdown hooks
   * concurrently. Closing the worker twice is harmless: BullModule closes it on shutdown too.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.worker.close();
    await this.transport.close();
    await closeRedis(this.connection);
  }
}

/**
 * EmailProcessor as @nestjs/bullmq's worker, with `settings`. The decorator is applied here,
 * to a subclass per configuration, because @Processor takes its worker options where it is
 * written, when the module is imported, before the configuration is read.
 */
export function emailWorkerWith(settings: EmailWorkerSettings): Type<EmailProcessor> {
  @Processor(NotificationsQueues.email.name, { concurrency: EMAIL_WORKER_CONCURRENCY, stalledInterval: settings.stalledCheckMs })
  class ConfiguredEmailProcessor extends EmailProcessor {}
  return ConfiguredEmailProcessor;
}
