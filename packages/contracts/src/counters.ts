import { defineCounter } from './counter.js';

/**
 * The example domain's business counters. Each service that counts one registers it
 * (`CountersModule.forFeature`); metrics-exporter exports whatever the services register.
 */
export const PlatformCounters = {
  /** result: success | failure | locked */
  logins: defineCounter({
    name: 'platform_logins_total',
    help: 'Login attempts on the whole platform, by result (success, failure, locked).',
    labels: ['result'],
  }),
  /** result: hit | miss */
  cacheRequests: defineCounter({
    name: 'platform_cache_requests_total',
    help: 'Product cache lookups on the whole platform, by result (hit, miss).',
    labels: ['result'],
  }),
  productViews: defineCounter({ name: 'platform_product_views_total', help: 'Product views on the whole platform.' }),
  /** status: sent | failed */
  emails: defineCounter({ name: 'platform_emails_total', help: 'Emails on the whole platform, by status (sent, failed).', labels: ['status'] }),
  /** event: the event name, e.g. stock.updated */
  events: defineCounter({ name: 'platform_events_total', help: 'Domain events on the whole platform, by event name.', labels: ['event'] }),
} as const;
