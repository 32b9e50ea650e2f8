import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { indexEntry, readCounters } from '@platform/counters';
import { MetricsService } from '@platform/metrics';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';

/**
 * Exports the Redis-kept platform counters (@platform/counters) as Prometheus counters, read
 * from Redis when Prometheus scrapes. Which counters exist is read too, from the index the
 * services write (a counter is declared where it is counted; this service knows no list).
 * This service is the only one that exports them, so summing over every scraped target never
 * counts an event twice. While Redis cannot be read the series are left out of the scrape
 * rather than repeating stale totals.
 */
@Injectable()
export class PlatformCountersCollector implements OnModuleInit {
  private readonly logger = new Logger(PlatformCountersCollector.name);
  /** The exported counters, by name, with the index entry they were created from. */
  private readonly exported = new Map<string, { metric: Counter<string>; entry: string }>();
  private failing = false;
  /** Index entries already reported as unusable, so each is logged once. */
  private readonly reported = new Set<string>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    // Before rendering: a counter found in the index is exported in the same scrape.
    this.metrics.beforeScrape(() => this.collect());
  }

  /** One read of the index and every total per scrape (two round trips), applied to the metrics. */
  private async collect(): Promise<void> {
    let totals;
    try {
      totals = await readCounters(this.redis);
      if (this.failing) this.logger.log('platform counters are readable again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`cannot read the platform counters: ${error instanceof Error ? error.message : String(error)}`);
      this.failing = true;
      for (const { metric } of this.exported.values()) metric.reset();
      return;
    }
    const seen = new Set<string>();
    for (const { counter, samples } of totals) {
      seen.add(counter.name);
      const metric = this.metricFor(counter.name, counter.help, counter.labels);
      metric.reset();
      // A counter without labels always has its one series, 0 until something is counted.
      if (counter.labels.length === 0 && samples.length === 0) metric.inc(0);
      for (const { labels, value } of samples) {
        if (sameNames(Object.keys(labels), counter.labels)) metric.inc(labels, value);
        else this.reportOnce(`${counter.name}:${Object.keys(labels).join(',')}`, `${counter.name} holds a label set [${Object.keys(labels).join(', ')}] it does not declare ([${counter.labels.join(', ')}]): left out`);
      }
    }
    // A counter removed from the index (by an operator) is no longer exported.
    for (const name of this.exported.keys()) {
      if (!seen.has(name)) {
        this.metrics.registry.removeSingleMetric(name);
        this.exported.delete(name);
      }
    }
  }

  /** The prom-client counter of `name`, made again when its help or labels changed (a new build). */
  private metricFor(name: string, help: string, labels: readonly string[]): Counter<string> {
    const entry = indexEntry({ name, help, labels });
    const current = this.exported.get(name);
    if (current?.entry === entry) return current.metric;
    if (current) this.metrics.registry.removeSingleMetric(name);
    const metric = this.metrics.counter({ name, help, labelNames: [...labels] });
    this.exported.set(name, { metric, entry });
    return metric;
  }

  private reportOnce(key: string, message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.logger.warn(message);
  }
}

function sameNames(given: readonly string[], declared: readonly string[]): boolean {
  return given.length === declared.length && given.every((name) => declared.includes(name));
}
