import { Module } from '@nestjs/common';
import { IndexedQueues } from '@platform/queues';
import { PlatformCountersCollector } from './platform-counters.collector.js';
import { QueueGaugesCollector } from './queue-gauges.collector.js';

/**
 * The platform-wide metrics this service exists for, added to its /metrics. Both collectors
 * find what to export in Redis (the counters' and the queues' indexes), never in a list of
 * the services or their contracts.
 */
@Module({
  providers: [IndexedQueues, PlatformCountersCollector, QueueGaugesCollector],
})
export class ExporterModule {}
