export { HealthModule } from './health.module.js';
export { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.js';
export { ReadinessState } from './readiness-state.js';
export { RedisReadiness } from './redis-readiness.js';
