import type { RedisSettings } from '@platform/redis';

/**
 * How a service is reached. Only config decides it: a service asks for "a client of
 * catalog" and never names a transport, so moving catalog from one transport to another
 * touches no service code.
 */
export type TransportTarget =
  | { kind: 'tcp'; host: string; port: number }
  /** Nest's own Redis transport: pub/sub, every replica handles every request. */
  | { kind: 'redis'; redis: RedisSettings }
  /** @platform/streams-transport: one replica per request, durable events. The default. */
  | { kind: 'redis-streams'; redis: RedisSettings };

export type TransportKind = TransportTarget['kind'];

/** Transports that can carry domain events (TCP is point-to-point request/response only). */
export type EventTransportTarget = Extract<TransportTarget, { kind: 'redis' | 'redis-streams' }>;
