import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { within } from './wait.js';

/** One command as MONITOR shows it. */
export interface MonitoredCommand {
  /** The database it ran in. */
  db: number;
  /** The client's address (`127.0.0.1:51234`), or `lua` for a command a script ran. */
  source: string;
  /** The command name as sent (`XADD` or `xadd`), then its arguments. */
  args: string[];
}

/**
 * Every command a Redis server runs, seen through MONITOR until `stop`. MONITOR slows Redis
 * down: for tests and for counting, never inside a measured window.
 *
 * Over a plain socket rather than ioredis' `monitor()`: ioredis switches its parser to monitor
 * mode only once MONITOR's +OK was handled, so a line that arrives in the same read (any
 * traffic at that moment) is taken for a reply to no command, and ioredis throws "Command
 * queue state error" from its socket handler: an uncaught exception that fails whatever test
 * runs then, and a rejected `monitor()` besides.
 */
export class RedisMonitor {
  private buffered = '';
  /** The +OK answers still due before MONITOR is on: AUTH's, when the URL has a password, then MONITOR's. */
  private answersDue: number;
  private readonly markers = new Map<string, () => void>();

  private constructor(
    private readonly socket: Socket,
    private readonly onCommand: (command: MonitoredCommand) => void,
    authenticating: boolean,
  ) {
    this.answersDue = authenticating ? 2 : 1;
  }

  /** Starts watching the server at `url` (`redis://[user:password@]host:port`); resolves once MONITOR is on. */
  static async start(url: string, onCommand: (command: MonitoredCommand) => void): Promise<RedisMonitor> {
    const { hostname, port, username, password } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    socket.setEncoding('utf8');
    const monitor = new RedisMonitor(socket, onCommand, password !== '');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.on('data', (chunk: string) => monitor.read(chunk, resolve, reject));
        const auth = [...(username ? [decodeURIComponent(username)] : []), decodeURIComponent(password)];
        socket.write(`${password ? respCommand(['AUTH', ...auth]) : ''}${respCommand(['MONITOR'])}`);
      });
    } catch (error) {
      socket.destroy();
      throw error;
    }
    // A server that goes away mid-test ends the watch; the test sees what was seen until then.
    socket.on('error', () => undefined);
    return monitor;
  }

  /**
   * Resolves once this monitor has shown everything `client` sent before: MONITOR shows a
   * command a moment after its answer, so a marker sent last says when the rest was seen.
   */
  async caughtUpWith(client: Redis, timeoutMs = 10_000): Promise<void> {
    const marker = `monitor-marker-${randomUUID()}`;
    const seen = new Promise<void>((resolve) => this.markers.set(marker, resolve));
    await client.echo(marker);
    await within('MONITOR to show a marker', seen, timeoutMs).finally(() => this.markers.delete(marker));
  }

  stop(): void {
    this.socket.destroy();
  }

  private read(chunk: string, started: () => void, refused: (error: Error) => void): void {
    this.buffered += chunk;
    let newline = this.buffered.indexOf('\r\n');
    while (newline >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 2);
      newline = this.buffered.indexOf('\r\n');
      if (this.answersDue > 0) {
        if (line !== '+OK') refused(new Error(`MONITOR refused: ${line}`));
        else if (--this.answersDue === 0) started();
        continue;
      }
      const command = parseMonitorLine(line);
      if (!command) continue;
      const marker = command.args[0]?.toLowerCase() === 'echo' ? this.markers.get(command.args[1] ?? '') : undefined;
      if (marker) marker();
      else this.onCommand(command);
    }
  }
}

/** A command in RESP, the protocol's own framing (binary-safe, unlike an inline command). */
function respCommand(args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/**
 * One MONITOR line: `+<time> [<db> <client address, or lua>] "<COMMAND>" "<arg>" ...`, each
 * argument quoted as Redis' sdscatrepr writes it (`\"`, `\\`, `\n`, `\r`, `\t`, `\a`, `\b`,
 * `\xHH`).
 */
export function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const header = /^\+\d+\.\d+ \[(\d+) ([^\]]+)\] /.exec(line);
  if (!header) return undefined;
  const args: string[] = [];
  let at = header[0].length;
  while (at < line.length && line[at] === '"') {
    // Redis writes every byte outside printable ASCII as \xHH: collect bytes, decode as UTF-8.
    const bytes: number[] = [];
    at += 1;
    while (at < line.length && line[at] !== '"') {
      if (line[at] !== '\\') {
        bytes.push(line.charCodeAt(at));
        at += 1;
      } else if (line[at + 1] === 'x') {
        bytes.push(Number.parseInt(line.slice(at + 2, at + 4), 16));
        at += 4;
      } else {
        const escaped = line[at + 1] ?? '';
        bytes.push((ESCAPES[escaped] ?? escaped).charCodeAt(0));
        at += 2;
      }
    }
    args.push(Buffer.from(bytes).toString('utf8'));
    at += 2; // the closing quote and the space after it
  }
  if (args.length === 0) return undefined;
  return { db: Number(header[1]), source: header[2]!, args };
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };
