/**
 * Business counters kept in Redis, so they count across every replica and survive restarts;
 * metrics-exporter exports them once for the whole platform. The names are the Prometheus
 * metric names; label values must stay from a small, fixed set (never ids or emails).
 */
export const PlatformCounters = {
  /** result: success | failure | locked */
  logins: { name: 'platform_logins_total', labels: ['result'] },
  /** result: hit | miss */
  cacheRequests: { name: 'platform_cache_requests_total', labels: ['result'] },
  productViews: { name: 'platform_product_views_total', labels: [] },
  /** status: sent | failed */
  emails: { name: 'platform_emails_total', labels: ['status'] },
  /** event: the event name, e.g. stock.updated */
  events: { name: 'platform_events_total', labels: ['event'] },
} as const satisfies Record<string, { name: string; labels: readonly string[] }>;

export type PlatformCounter = (typeof PlatformCounters)[keyof typeof PlatformCounters];
