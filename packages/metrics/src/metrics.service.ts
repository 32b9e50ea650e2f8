import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, type CounterConfiguration, Gauge, type GaugeConfiguration, Histogram, type HistogramConfiguration, Registry } from 'prom-client';

/** Seconds buckets for request-scale latencies: 1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Named<T> = Omit<T, 'registers'>;

/**
 * The service's own prom-client registry. Metrics are created once by name and shared, so
 * two modules asking for the same metric get the same instance instead of a "metric already
 * registered" error. A registry per app (not prom-client's global one) keeps tests that boot
 * several apps in one process independent.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly scrapeHooks: Array<() => Promise<void>> = [];

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(config: Named<CounterConfiguration<L>>): Counter<L> {
    return this.reuse(config.name, () => new Counter({ ...config, registers: [this.registry] }));
  }

  gauge<L extends string>(config: Named<GaugeConfiguration<L>>): Gauge<L> {
    return this.reuse(config.name, () => new Gauge({ ...config, registers: [this.registry] }));
  }

  histogram<L extends string>(config: Named<HistogramConfiguration<L>>): Histogram<L> {
    return this.reuse(config.name, () => new Histogram({ buckets: LATENCY_BUCKETS, ...config, registers: [this.registry] }));
  }

  /**
   * Runs `hook` at every scrape, before the registry is rendered: for a collector that learns
   * at scrape time which metrics exist (prom-client renders only metrics registered when the
   * scrape starts). The hook handles its own errors.
   */
  beforeScrape(hook: () => Promise<void>): void {
    this.scrapeHooks.push(hook);
  }

  /** The registry in the Prometheus text format, after every beforeScrape hook. */
  async scrape(): Promise<string> {
    await Promise.all(this.scrapeHooks.map((hook) => hook()));
    return this.registry.metrics();
  }

  private reuse<M>(name: string, create: () => M): M {
    return (this.registry.getSingleMetric(name) as M | undefined) ?? create();
  }
}
