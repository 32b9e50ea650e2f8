import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The commands one database received, by command name (lower case). */
export interface CommandsSeen {
  /**
   * Sent by clients: a script's EVALSHA once, each command of a MULTI once (ioredis writes a
   * MULTI … EXEC in one go, so a transaction is one round trip however many commands it has).
   */
  sent: Record<string, number>;
  /** Run by scripts (the GET, SET ... inside an EVALSHA): no round trip of their own. */
  inScripts: Record<string, number>;
}

/**
 * The commands database `db` of the server at `serverUrl` received while `during` ran, seen
 * through MONITOR, which tells a client's command from a script's. MONITOR slows Redis down:
 * for counting, never inside a measured window.
 */
export async function watchCommands(serverUrl: string, db: number, during: () => Promise<void>): Promise<CommandsSeen> {
  const client = new Redis(serverUrl, { db });
  const seen: CommandsSeen = { sent: {}, inScripts: {} };
  // The last command of `during` reaches the monitor a moment after its answer: a marker sent
  // afterwards says when everything before it has been seen.
  const fence = `bench-monitor-fence-${randomUUID()}`;
  const monitor = await client.monitor();
  try {
    const fenced = new Promise<void>((fenceSeen) => {
      monitor.on('monitor', (_time: string, args: string[], source: string, database: string) => {
        if (Number(database) !== db) return;
        const command = String(args[0]).toLowerCase();
        if (command === 'echo' && args[1] === fence) return fenceSeen();
        const counts = source === 'lua' ? seen.inScripts : seen.sent;
        counts[command] = (counts[command] ?? 0) + 1;
      });
    });
    await during();
    await client.echo(fence);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('MONITOR never showed the fence command')), 10_000);
    });
    await Promise.race([fenced, late]).finally(() => clearTimeout(timer));
  } finally {
    monitor.disconnect();
    client.disconnect();
  }
  return seen;
}

/** The total of a command count. */
export function totalOf(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}
