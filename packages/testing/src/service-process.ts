import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { type Exit, ManagedProcess } from './processes.js';
import { waitFor } from './wait.js';

/** The repository root (this file is packages/testing/{src,dist}/service-process.*). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServiceProcessOptions {
  /** Env for the service on top of this process's env (minus jest's NODE_OPTIONS). */
  env?: Record<string, string | undefined>;
  /** The HTTP port; a free one when not given. Passed as PORT. */
  port?: number;
  /** Extra node flags before the entry point, e.g. `['--import', '/abs/preload.js']`. */
  nodeArgs?: readonly string[];
  /** What to wait for before resolving: the live or the ready health route. */
  waitFor?: 'live' | 'ready' | 'nothing';
  timeoutMs?: number;
}

/**
 * A real service, started from its build (`services/<name>/dist/main.js`) as production
 * starts it, with its HTTP port on 127.0.0.1.
 */
export class ServiceProcess {
  private constructor(
    readonly name: string,
    readonly port: number,
    readonly process: ManagedProcess,
    private readonly options: ServiceProcessOptions,
  ) {}

  static async start(name: string, options: ServiceProcessOptions = {}): Promise<ServiceProcess> {
    const entry = `${repoRoot}services/${name}/dist/main.js`;
    if (!existsSync(entry)) throw new Error(`${entry} does not exist: build first (npm run build)`);
    const port = options.port ?? (await freePort());
    const { NODE_OPTIONS: _jestFlags, ...inherited } = process.env;
    const env = { ...inherited, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...options.env, PORT: String(port) };
    const child = ManagedProcess.spawn(process.execPath, ['--enable-source-maps', ...(options.nodeArgs ?? []), entry], {
      cwd: `${repoRoot}services/${name}`,
      env,
    });
    const service = new ServiceProcess(name, port, child, options);
    const target = options.waitFor ?? 'ready';
    // Generous: on a busy 2-core machine (CI, parallel test files) a Nest service can take
    // well over 20 s to load and connect.
    if (target !== 'nothing') {
      try {
        await service.waitUntil(target, options.timeoutMs ?? 60_000);
      } catch (error) {
        // Nobody else holds this process yet: kill it, or it outlives the test.
        await child.stop('SIGKILL');
        throw error;
      }
    }
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Everything the service wrote to stdout and stderr so far. */
  logs(): string {
    return this.process.output.text();
  }

  async waitUntil(probe: 'live' | 'ready', timeoutMs = 60_000): Promise<void> {
    await waitFor(`${this.name} /health/${probe}`, async () => {
      if (this.process.hasExited) throw new Error(`${this.name} exited:\n${this.process.output.tail()}`);
      const response = await fetch(`${this.url}/health/${probe}`).catch(() => undefined);
      return response?.status === 200 ? true : undefined;
    }, { timeoutMs, intervalMs: 100 }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- ${this.name} output ---\n${this.process.output.tail()}`);
    });
  }

  /** Starts the same service again (same port and env) once this process has exited. */
  async respawn(): Promise<ServiceProcess> {
    if (!this.process.hasExited) await this.stop();
    return ServiceProcess.start(this.name, { ...this.options, port: this.port });
  }

  /** SIGTERM (or `signal`) and wait for the exit. */
  stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs?: number): Promise<Exit> {
    return this.process.stop(signal, timeoutMs);
  }

  kill(): Promise<Exit> {
    return this.process.stop('SIGKILL');
  }

  /** Freezes the process (SIGSTOP): it keeps its sockets but reads and answers nothing. */
  pause(): void {
    this.process.child.kill('SIGSTOP');
  }

  /** Thaws a paused process (SIGCONT). */
  resume(): void {
    this.process.child.kill('SIGCONT');
  }
}

/** Starts several services at once and stops them all together. */
export class ServiceGroup {
  private constructor(readonly services: Map<string, ServiceProcess>) {}

  static async start(
    specs: ReadonlyArray<{ name: string; alias?: string } & ServiceProcessOptions>,
  ): Promise<ServiceGroup> {
    const started = await Promise.allSettled(specs.map((spec) => ServiceProcess.start(spec.name, spec)));
    const services = new Map<string, ServiceProcess>();
    started.forEach((result, i) => {
      if (result.status === 'fulfilled') services.set(specs[i]!.alias ?? specs[i]!.name, result.value);
    });
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) {
      await Promise.all([...services.values()].map((service) => service.kill()));
      throw (failure as PromiseRejectedResult).reason;
    }
    return new ServiceGroup(services);
  }

  /** A group of services already started (e.g. in several waves). */
  static of(services: Map<string, ServiceProcess>): ServiceGroup {
    return new ServiceGroup(services);
  }

  /** Replaces a member, e.g. with the result of its respawn(). */
  set(name: string, service: ServiceProcess): void {
    this.services.set(name, service);
  }

  get(name: string): ServiceProcess {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service "${name}" in this group`);
    return service;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((service) => service.stop()));
  }
}
