/** Injection token of notifications' validated configuration (NotificationsConfig). */
export const NOTIFICATIONS_CONFIG = Symbol('NOTIFICATIONS_CONFIG');
