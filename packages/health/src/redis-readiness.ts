import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import type { ReadinessCheck } from './readiness-check.js';

/** Probe budget: well under a kubelet's default 1 s probe timeout. */
const PING_TIMEOUT_MS = 500;

/**
 * Redis is ready when the service's own connection is ready and answers PING. It reuses that
 * connection on purpose: a fresh connection per probe would test something the service does
 * not use, and would churn connections every few seconds per replica.
 */
@Injectable()
export class RedisReadiness implements ReadinessCheck {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly health: HealthIndicatorService,
  ) {}

  indicator() {
    return () =>
      this.health
        .check('redis')
        .attempt(async () => {
          if (this.redis.status !== 'ready') throw new Error(`connection is ${this.redis.status}`);
          await this.redis.ping();
        })
        .withTimeout(PING_TIMEOUT_MS);
  }
}
