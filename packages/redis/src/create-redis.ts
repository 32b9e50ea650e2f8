import { Redis } from 'ioredis';
import { batchWritesPerTurn } from './batched-writes.js';
import { type RedisRole, type RedisSettings, redisOptions } from './redis-options.js';

export interface CreateRedisOptions {
  /** Called for connection errors; ioredis emits them on every failed reconnect. */
  onError?: (error: Error) => void;
  /** Start connecting only on the first command or on connect(). */
  lazyConnect?: boolean;
  /**
   * Send the commands issued in one tick as one socket write (ioredis auto-pipelining). For
   * connections that fire many independent commands at once; never for blocking ones.
   */
  autoPipelining?: boolean;
  /**
   * Send the commands issued in one turn of the event loop as one socket write, by corking the
   * socket (batchWritesPerTurn): what auto-pipelining is for, at a fraction of its cost. Saves
   * CPU, adds latency under load: see batchWritesPerTurn for where it paid and where it did not.
   */
  batchWrites?: boolean;
  /**
   * Resend the commands a dropped connection left unanswered, once it is back (default true).
   * Off where sending a command twice would do its work twice: such a command then fails
   * ("Connection is closed", or its timeout), its outcome unknown.
   */
  resendUnanswered?: boolean;
}

/** A new ioredis connection for `role`; see RedisRole for what the role changes. */
export function createRedis(
  settings: RedisSettings,
  role: RedisRole,
  clientName: string,
  { onError, lazyConnect = false, autoPipelining = false, batchWrites = false, resendUnanswered = true }: CreateRedisOptions = {},
): Redis {
  const client = new Redis({
    ...redisOptions(settings, role, clientName),
    lazyConnect,
    enableAutoPipelining: autoPipelining,
    autoResendUnfulfilledCommands: resendUnanswered,
  });
  // Without an 'error' listener ioredis logs every failed reconnect itself, unstructured.
  client.on('error', onError ?? (() => undefined));
  return batchWrites ? batchWritesPerTurn(client) : client;
}

/** Whether the connection can take commands now (not connecting, reconnecting or closed). */
export function isRedisReady(client: Redis): boolean {
  return client.status === 'ready';
}

/** QUIT when connected (pending replies arrive first), otherwise just drop the socket. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/** Where logConnectionTrouble writes: a Nest Logger, or anything with these two methods. */
export interface ConnectionLogger {
  warn(message: string): void;
  log(message: string): void;
}

/**
 * Logs a connection's outages, prefixed with what the connection is for: each new error message
 * once (ioredis repeats the error on every reconnect attempt), then the recovery, after which
 * the next outage is logged again. Returns the client.
 */
export function logConnectionTrouble(client: Redis, logger: ConnectionLogger, label: string): Redis {
  let lastError = '';
  client.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    logger.warn(`${label}: ${error.message}`);
  });
  client.on('ready', () => {
    if (!lastError) return;
    lastError = '';
    logger.log(`${label}: connection restored`);
  });
  return client;
}
