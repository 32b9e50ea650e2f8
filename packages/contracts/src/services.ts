/** Every deployable service. Names appear in Redis keys, consumer groups and metrics labels. */
export const ServiceNames = {
  gateway: 'gateway',
  legacy: 'legacy',
  catalog: 'catalog',
  accounts: 'accounts',
  notifications: 'notifications',
  metricsExporter: 'metrics-exporter',
} as const;

