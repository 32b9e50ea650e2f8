import { Module } from '@nestjs/common';
import { PlatformCountersCollector } from './platform-counters.collector.js';
import { QueueGaugesCollector } from './queue-gauges.collector.js';

/** The platform-wide metrics this service exists for, added to its /metrics. */
@Module({ providers: [PlatformCountersCollector, QueueGaugesCollector] })
export class ExporterModule {}
