import { type ChildProcess, fork } from 'node:child_process';
import { OutputBuffer } from '@platform/testing';
import type { CommandMessage, ReadyMessage, ReplyMessage } from './fixtures/ipc.js';
import { fixtureEntry } from './paths.js';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface FixtureOptions {
  env?: Record<string, string | undefined>;
  execArgv?: string[];
  readyTimeoutMs?: number;
}

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** The bench side of a fixture process (see fixtures/ipc.ts): start it, send it commands, stop it. */
export class Fixture {
  readonly output = new OutputBuffer(200_000);
  private readonly waiting = new Map<number, Waiting>();
  private readonly outputListeners = new Set<(text: string) => void>();
  private nextId = 1;
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    const received = (chunk: Buffer) => {
      this.output.push(chunk);
      for (const listener of this.outputListeners) listener(chunk.toString());
    };
    child.stdout?.on('data', received);
    child.stderr?.on('data', received);
    child.on('message', (message: ReplyMessage | ReadyMessage) => {
      if ('ready' in message) return;
      const waiting = this.waiting.get(message.id);
      if (!waiting) return;
      this.waiting.delete(message.id);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new Error(`${this.name}: ${message.error}`));
    });
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        running.delete(child);
        for (const [, waiting] of this.waiting) {
          waiting.reject(new Error(`${this.name} exited (${signal ?? code}) while a command was running:\n${this.output.tail()}`));
        }
        this.waiting.clear();
        resolve();
      });
    });
  }

  /** Forks dist/fixtures/<entry>.js and waits for its ready message; resolves with the fixture and that message's info. */
  static async start(name: string, entry: string, options: FixtureOptions = {}): Promise<{ fixture: Fixture; info: Record<string, unknown> }> {
    const child = fork(fixtureEntry(entry), [], {
      env: { ...process.env, NODE_OPTIONS: undefined, ...options.env },
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const fixture = new Fixture(name, child);
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} was not ready within ${timeoutMs} ms:\n${fixture.output.tail()}`)), timeoutMs);
      child.on('message', (message: ReplyMessage | ReadyMessage) => {
        if (!('ready' in message)) return;
        clearTimeout(timer);
        resolve(message.info);
      });
      fixture.exit.then(() => {
        clearTimeout(timer);
        reject(new Error(`${name} exited before it was ready:\n${fixture.output.tail()}`));
      });
    });
    return { fixture, info };
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Calls `listener` with what the process writes (stdout and stderr) from now on; returns its removal. */
  onOutput(listener: (text: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /** Runs `command` in the fixture and resolves with its result. */
  call<R>(command: string, args: unknown = {}): Promise<R> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited:\n${this.output.tail()}`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, command, args } satisfies CommandMessage);
    });
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exit;
    clearTimeout(timer);
  }
}
