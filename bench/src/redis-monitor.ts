import { RedisMonitor } from '@platform/testing';
import { Redis } from 'ioredis';

/** The commands one database received, by command name (lower case). */
export interface CommandsSeen {
  /**
   * Sent by clients: a script's EVALSHA once, a transaction as its MULTI and EXEC (ioredis
   * writes a MULTI … EXEC in one go, so a transaction is one round trip however many commands
   * it has).
   */
  sent: Record<string, number>;
  /** Run by scripts (the GET, SET ... inside an EVALSHA): no round trip of their own. */
  inScripts: Record<string, number>;
  /** Queued between a client's MULTI and EXEC: no round trip of their own either. */
  inTransactions: Record<string, number>;
}

/**
 * The commands database `db` of the server at `serverUrl` received while `during` ran, seen
 * through MONITOR, which tells a client's command from a script's. MONITOR slows Redis down:
 * for counting, never inside a measured window.
 */
export async function watchCommands(
  serverUrl: string,
  db: number,
  during: () => Promise<void>,
  /** Clients whose commands are not counted, by address (`127.0.0.1:port`): e.g. the bench's own driver. */
  ignoredClients: ReadonlySet<string> = new Set(),
): Promise<CommandsSeen> {
  const seen: CommandsSeen = { sent: {}, inScripts: {}, inTransactions: {} };
  // MONITOR shows a transaction as MULTI, its commands (when EXEC runs them), then EXEC.
  const inTransaction = new Set<string>();
  const monitor = await RedisMonitor.start(serverUrl, ({ db: commandDb, source, args }) => {
    if (commandDb !== db || ignoredClients.has(source)) return;
    const command = (args[0] ?? '').toLowerCase();
    if (command === 'exec' || command === 'discard') inTransaction.delete(source);
    const counts = source === 'lua' ? seen.inScripts : inTransaction.has(source) ? seen.inTransactions : seen.sent;
    counts[command] = (counts[command] ?? 0) + 1;
    if (command === 'multi') inTransaction.add(source);
  });
  const client = new Redis(serverUrl, { db });
  try {
    await during();
    await monitor.caughtUpWith(client);
  } finally {
    monitor.stop();
    client.disconnect();
  }
  return seen;
}

/** The total of a command count. */
export function totalOf(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}
