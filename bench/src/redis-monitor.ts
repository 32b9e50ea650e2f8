import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
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
 *
 * Over a plain socket rather than ioredis' monitor(): ioredis switches its parser to monitor
 * mode only once MONITOR's +OK was handled, and a line that arrives with it in the same read
 * (any traffic at that moment) ends the process with "Command queue state error".
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
  // The last command of `during` reaches the monitor a moment after its answer: a marker sent
  // afterwards says when everything before it has been seen.
  const fence = `bench-monitor-fence-${randomUUID()}`;
  const { hostname, port } = new URL(serverUrl);
  const socket = connect({ host: hostname, port: Number(port || 6379) });
  const client = new Redis(serverUrl, { db });
  try {
    let buffered = '';
    let started!: () => void;
    let fenceSeen!: () => void;
    const monitoring = new Promise<void>((resolve) => (started = resolve));
    const fenced = new Promise<void>((resolve) => (fenceSeen = resolve));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\r\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 2);
        newline = buffered.indexOf('\r\n');
        if (line === '+OK') started();
        const entry = parseMonitorLine(line);
        if (!entry || entry.db !== db || ignoredClients.has(entry.source)) continue;
        if (entry.command === 'echo' && line.includes(fence)) {
          fenceSeen();
          continue;
        }
        if (entry.command === 'exec' || entry.command === 'discard') inTransaction.delete(entry.source);
        const counts = entry.source === 'lua' ? seen.inScripts : inTransaction.has(entry.source) ? seen.inTransactions : seen.sent;
        counts[entry.command] = (counts[entry.command] ?? 0) + 1;
        if (entry.command === 'multi') inTransaction.add(entry.source);
      }
    });
    socket.write('MONITOR\r\n');
    await monitoring;
    await during();
    await client.echo(fence);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('MONITOR never showed the fence command')), 10_000);
    });
    await Promise.race([fenced, late]).finally(() => clearTimeout(timer));
  } finally {
    socket.destroy();
    client.disconnect();
  }
  return seen;
}

/**
 * One MONITOR line: `+<time> [<db> <client address, or lua>] "<COMMAND>" "<arg>" ...`; only
 * the database, the source and the command name are read.
 */
export function parseMonitorLine(line: string): { db: number; source: string; command: string } | undefined {
  const match = /^\+\d+\.\d+ \[(\d+) ([^\]]+)\] "([^"]+)"/.exec(line);
  if (!match) return undefined;
  return { db: Number(match[1]), source: match[2]!, command: match[3]!.toLowerCase() };
}

/** The total of a command count. */
export function totalOf(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}
