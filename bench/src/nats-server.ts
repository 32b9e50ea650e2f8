import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, ManagedProcess, waitFor } from '@platform/testing';

/** Where Debian's `nats-server` package installs the binary: outside a non-root user's PATH. */
const DEBIAN_BINARY = '/usr/sbin/nats-server';

export type NatsServerLookup = { binary: string } | { missing: string };

/**
 * The nats-server to run: NATS_SERVER_BIN when set (it must then be executable: a wrong path
 * is said, not silently replaced), else the first `nats-server` on PATH, else Debian's.
 */
export function locateNatsServer(env: NodeJS.ProcessEnv, isExecutable: (path: string) => boolean): NatsServerLookup {
  const configured = env.NATS_SERVER_BIN;
  if (configured) return isExecutable(configured) ? { binary: configured } : { missing: `NATS_SERVER_BIN=${configured} is not an executable file` };
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'nats-server'));
  const binary = [...onPath, DEBIAN_BINARY].find(isExecutable);
  if (binary) return { binary };
  return {
    missing:
      `nats-server was not found on PATH nor at ${DEBIAN_BINARY} ` +
      '(Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server; or set NATS_SERVER_BIN)',
  };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** locateNatsServer on this machine's file system. */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): NatsServerLookup {
  return locateNatsServer(env, executable);
}

/** The server's version from the INFO line it greets every client with; undefined for anything else. */
export function versionFromInfo(greeting: string): string | undefined {
  const line = greeting.split('\r\n')[0] ?? '';
  if (!line.startsWith('INFO ')) return undefined;
  try {
    const info = JSON.parse(line.slice('INFO '.length)) as { version?: unknown };
    return typeof info.version === 'string' ? info.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A nats-server of the run's own (core NATS, no JetStream: what Nest's NATS transport uses),
 * on a free port of 127.0.0.1 with a temp directory for its pid file, like the run's
 * redis-server; never the default 4222.
 */
export class NatsServer {
  private constructor(
    readonly port: number,
    readonly version: string,
    private readonly child: ManagedProcess,
    private readonly dir: string,
  ) {}

  /** Starts `binary` and resolves once it greets a client with its INFO line. */
  static async start(binary: string): Promise<NatsServer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'nats-bench-'));
    const child = ManagedProcess.spawn(binary, ['--addr', '127.0.0.1', '--port', String(port), '--pid', join(dir, 'nats-server.pid')]);
    try {
      const version = await waitFor(
        `nats-server on port ${port}`,
        async () => {
          if (child.hasExited) throw new Error(`nats-server exited:\n${child.output.tail()}`);
          return versionFromInfo(await greeting(port));
        },
        { timeoutMs: 10_000 },
      );
      return new NatsServer(port, version, child, dir);
    } catch (error) {
      await child.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Its process id, to count its CPU time. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Stops the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.child.stop('SIGTERM', 5_000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The first bytes a NATS server sends on a new connection ('' when nothing answers). */
function greeting(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const done = () => {
      socket.destroy();
      resolve(received);
    };
    socket.setTimeout(1_000, done);
    socket.once('error', done);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received.includes('\r\n')) done();
    });
  });
}

/** A nats-server the run starts on first use and stops at its end, or why there is none. */
export class LazyNatsServer {
  private started: Promise<NatsServer | { missing: string }> | undefined;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The running server, or the reason NATS variants are skipped (not found, or did not start). */
  get(): Promise<NatsServer | { missing: string }> {
    this.started ??= (async () => {
      const lookup = findNatsServer(this.env);
      if ('missing' in lookup) return lookup;
      try {
        return await NatsServer.start(lookup.binary);
      } catch (error) {
        return { missing: `${lookup.binary} did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
      }
    })();
    return this.started;
  }

  /** Stops the server if it was started. */
  async stop(): Promise<void> {
    const server = await this.started;
    if (server instanceof NatsServer) await server.destroy();
  }
}
