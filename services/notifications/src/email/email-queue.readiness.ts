import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { ReadinessCheck } from '@platform/health';
import type { Redis } from 'ioredis';
import { EMAIL_WORKER_REDIS } from './email.constants.js';
import { EmailProcessor } from './email.processor.js';

/** Probe budget, as for Redis: well under a kubelet's 1 s probe timeout. */
const CHECK_TIMEOUT_MS = 500;

/**
 * The email queue is ready when the worker runs and its connection is up: only then are
 * emails sent. The producer uses the service's REDIS connection, which readiness checks already.
 */
@Injectable()
export class EmailQueueReadiness implements ReadinessCheck {
  constructor(
    private readonly processor: EmailProcessor,
    @Inject(EMAIL_WORKER_REDIS) private readonly workerConnection: Redis,
    private readonly health: HealthIndicatorService,
  ) {}

  indicator() {
    return () =>
      this.health
        .check('email-queue')
        .attempt(async () => {
          if (!this.processor.worker.isRunning()) throw new Error('the worker is not running');
          if (this.workerConnection.status !== 'ready') throw new Error(`the worker connection is ${this.workerConnection.status}`);
        })
        .withTimeout(CHECK_TIMEOUT_MS);
  }
}
