import { Module } from '@nestjs/common';
import { QueueContracts } from '@platform/contracts';
import { QueuesModule } from '@platform/queues';
import { PlatformCountersCollector } from './platform-counters.collector.js';
import { QueueGaugesCollector } from './queue-gauges.collector.js';

/** The platform-wide metrics this service exists for, added to its /metrics. */
@Module({
  imports: [QueuesModule.forRoot({ inspect: Object.values(QueueContracts) })],
  providers: [PlatformCountersCollector, QueueGaugesCollector],
})
export class ExporterModule {}
