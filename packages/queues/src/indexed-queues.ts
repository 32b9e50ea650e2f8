import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { indexedQueueNames } from './queue-index.js';
import { QueueInspector } from './queue-inspector.js';

/**
 * Every queue of the platform, as the queue index lists them (each QueueProducer writes its
 * queue there before its first job), for readers that know no queue by name (the gateway's
 * queue admin, metrics-exporter's gauges): a service added later is covered with no change
 * there. The index is read on every call, so a queue first produced to after boot is found at
 * once; the read-only handles are kept and closed on shutdown.
 */
@Injectable()
export class IndexedQueues implements OnApplicationShutdown {
  /** One read-only handle per queue seen in the index, kept across requests. */
  private readonly inspectors = new Map<string, QueueInspector>();

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** The inspectors of every indexed queue, sorted by name. */
  async all(): Promise<QueueInspector[]> {
    return (await indexedQueueNames(this.redis)).map((name) => this.inspectorOf(name));
  }

  /** The inspector of `name`, or undefined (and no handle made) when no producer ever indexed it. */
  async find(name: string): Promise<QueueInspector | undefined> {
    return (await indexedQueueNames(this.redis)).includes(name) ? this.inspectorOf(name) : undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.inspectors.values()].map((inspector) => inspector.onApplicationShutdown()));
  }

  private inspectorOf(name: string): QueueInspector {
    let inspector = this.inspectors.get(name);
    if (!inspector) {
      inspector = QueueInspector.ofName(name, this.redis);
      this.inspectors.set(name, inspector);
    }
    return inspector;
  }
}
