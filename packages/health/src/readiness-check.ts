import type { HealthIndicatorFunction } from '@nestjs/terminus';

/** One dependency readiness depends on (Redis, a queue, a downstream transport). */
export interface ReadinessCheck {
  /** A terminus indicator; use HealthIndicatorService.check(key).attempt(...).withTimeout(ms). */
  indicator(): HealthIndicatorFunction;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
