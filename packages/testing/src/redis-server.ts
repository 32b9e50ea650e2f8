import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { ManagedProcess } from './processes.js';
import { waitFor } from './wait.js';

export interface RedisServerOptions {
  /** Keep an append-only file (fsync every second), so a restart recovers the data. */
  appendOnly?: boolean;
  /** `requirepass`: clients must send this password. */
  password?: string;
  /** Extra `redis-server` arguments, e.g. `['--maxmemory-policy', 'allkeys-lru']`. */
  args?: readonly string[];
  port?: number;
}

function redisServerBinary(): string {
  const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  try {
    execFileSync(binary, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `${binary} was not found. Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; ` +
        'macOS: brew install redis) or point REDIS_SERVER_BIN at the binary.',
    );
  }
  return binary;
}

/** Spins for ARGV[1] ms inside Redis (see RedisServer.block). */
const BUSY_SCRIPT = `
local function now() local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000) end
local deadline = now() + tonumber(ARGV[1])
while now() < deadline do end
return 1
`;

/**
 * A block (RedisServer.block) that outlasts the platform's command timeout (2 s) even when the
 * command under test goes out late, as a test's short sleep can overrun on a loaded machine: 2 s
 * are left for sending it after the block began, and the whole stays under Redis'
 * busy-reply-threshold (5 s).
 */
export const BLOCK_PAST_COMMAND_TIMEOUT_MS = 4_000;

/**
 * A real redis-server on its own free port and temp directory, which a test can stop, kill
 * and start again on the same port and data (to test outages and recovery).
 */
export class RedisServer {
  private process: ManagedProcess | undefined;
  private readonly binary = redisServerBinary();

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts a new server; resolves once it answers PING. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const port = options.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
    const server = new RedisServer(port, dir, options);
    await server.start();
    return server;
  }

  /** `redis://[:password@]127.0.0.1:<port>`, optionally with a `/db` path. */
  get url(): string {
    const auth = this.options.password ? `:${encodeURIComponent(this.options.password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.process !== undefined && !this.process.hasExited;
  }

  /** Starts (again) on the same port and directory. */
  async start(): Promise<void> {
    if (this.isRunning) return;
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--save', '',
      '--appendonly', this.options.appendOnly ? 'yes' : 'no',
      '--appendfsync', 'everysec',
      // Queues need every key kept: never evict.
      '--maxmemory-policy', 'noeviction',
      ...(this.options.password ? ['--requirepass', this.options.password] : []),
      ...(this.options.args ?? []),
    ];
    const process = ManagedProcess.spawn(this.binary, args);
    this.process = process;
    await waitFor(`redis-server on port ${this.port}`, async () => {
      if (process.hasExited) throw new Error(`redis-server exited:\n${process.output.tail()}`);
      return (await this.ping()) ? true : undefined;
    }, { timeoutMs: 10_000 });
  }

  /** A clean stop (SIGTERM: with AOF on, Redis flushes it first). */
  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM');
  }

  /** A crash: SIGKILL, no flush. */
  async kill(): Promise<void> {
    await this.process?.stop('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** A short-lived client for assertions; the caller quits it. */
  client(): Redis {
    return new Redis(this.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  /**
   * Keeps the server busy for `ms` and resolves when it answers again: a script runs alone,
   * so every other client waits, as behind a slow script or a big KEYS. Below Redis'
   * busy-reply-threshold (5 s) nobody is refused with BUSY, just not answered. (DEBUG SLEEP
   * would do too, but this server starts without enable-debug-command.) Await a ping on the
   * returned promise's side before relying on the block having started.
   */
  async block(ms: number): Promise<void> {
    const blocker = this.client();
    try {
      await blocker.eval(BUSY_SCRIPT, 0, ms);
    } finally {
      blocker.disconnect();
    }
  }

  /** Stops the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * A raw RESP PING over a plain socket: an ioredis client that fails to connect keeps a
   * timer alive, which would hold the test process open. Any reply (PONG, or NOAUTH with a
   * password) means the server is up.
   */
  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      const done = (up: boolean) => {
        socket.destroy();
        resolve(up);
      };
      socket.setTimeout(1_000, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (reply) => done(/^[+-]/.test(reply.toString()) && !reply.toString().startsWith('-LOADING')));
    });
  }
}
