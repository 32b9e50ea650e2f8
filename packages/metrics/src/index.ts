export { instrumentHttpServer } from './http-metrics.js';
export { instrumentWorker, isDeadLettered, type JobLike, type WorkerLike } from './queue-metrics.js';
export { MetricsModule } from './metrics.module.js';
export { LATENCY_BUCKETS, MetricsService } from './metrics.service.js';
