/** Every deployable service. Names appear in Redis keys, consumer groups and metrics labels. */
export const ServiceNames = {
  gateway: 'gateway',
  legacy: 'legacy',
  catalog: 'catalog',
  accounts: 'accounts',
  notifications: 'notifications',
  metricsExporter: 'metrics-exporter',
} as const;

/**
 * A service's name as the registry knows it (the folder under services/, see @platform/registry):
 * a plain string, so a new service needs no edit here.
 */
export type ServiceName = string;
