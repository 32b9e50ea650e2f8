import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { PlatformCounter } from '@platform/contracts';
import { ALL_COUNTERS, type CounterTotals, readCounters } from '@platform/counters';
import { MetricsService } from '@platform/metrics';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';

/** What each platform counter counts, for its HELP line. */
const HELP: Record<string, string> = {
  platform_logins_total: 'Login attempts on the whole platform, by result (success, failure, locked).',
  platform_cache_requests_total: 'Product cache lookups on the whole platform, by result (hit, miss).',
  platform_product_views_total: 'Product views on the whole platform.',
  platform_emails_total: 'Emails on the whole platform, by status (sent, failed).',
  platform_events_total: 'Domain events on the whole platform, by event name.',
};

/**
 * Exports the Redis-kept platform counters (@platform/counters) as Prometheus counters, read
 * from Redis when Prometheus scrapes. This service is the only one that exports them, so
 * summing over every scraped target never counts an event twice. While Redis cannot be read
 * the series are left out of the scrape rather than repeating stale totals.
 */
@Injectable()
export class PlatformCountersCollector implements OnModuleInit {
  private readonly logger = new Logger(PlatformCountersCollector.name);
  private reading: Promise<CounterTotals[] | undefined> | undefined;
  private failing = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly registry: MetricsService,
  ) {}

  onModuleInit(): void {
    for (const counter of ALL_COUNTERS) {
      const metric: Counter<string> = this.registry.counter({
        name: counter.name,
        help: HELP[counter.name] ?? counter.name,
        labelNames: [...counter.labels],
        collect: async () => this.apply(counter, metric, await this.read()),
      });
    }
  }

  /**
   * One read of every counter per scrape: prom-client runs the collects of all metrics at
   * once, so the first starts the read (one pipelined round trip) and the others share it.
   */
  private read(): Promise<CounterTotals[] | undefined> {
    this.reading ??= readCounters(this.redis)
      .then((totals) => {
        if (this.failing) this.logger.log('platform counters are readable again');
        this.failing = false;
        return totals;
      })
      .catch((error: unknown) => {
        if (!this.failing) this.logger.warn(`cannot read the platform counters: ${error instanceof Error ? error.message : String(error)}`);
        this.failing = true;
        return undefined;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  private apply(counter: PlatformCounter, metric: Counter<string>, totals: CounterTotals[] | undefined): void {
    metric.reset();
    if (!totals) return;
    const samples = totals.find((entry) => entry.counter === counter)?.samples ?? [];
    // A counter without labels always has its one series, 0 until something is counted.
    if (counter.labels.length === 0 && samples.length === 0) metric.inc(0);
    for (const { labels, value } of samples) metric.inc(labels, value);
  }
}
