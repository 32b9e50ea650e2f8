import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';

const running = new Set<ChildProcess>();

// A test that fails half-way must not leave redis-server or a service behind: whatever is
// still running when the test process exits is killed.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Output kept from a child process, for assertions and for failure messages. */
export class OutputBuffer {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly limit = 1_000_000) {}

  push(chunk: Buffer | string): void {
    const text = chunk.toString();
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    return this.chunks.join('');
  }

  tail(lines = 40): string {
    return this.text().split('\n').slice(-lines).join('\n');
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned process whose output is kept and which is killed if the test process exits. */
export class ManagedProcess {
  readonly output = new OutputBuffer();
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  private constructor(readonly child: ChildProcess) {
    running.add(child);
    child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
      child.once('error', (error) => {
        running.delete(child);
        this.output.push(`spawn failed: ${error.message}\n`);
        this.exit = { code: -1, signal: null };
        resolve(this.exit);
      });
    });
  }

  static spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ManagedProcess {
    return new ManagedProcess(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Sends `signal` and waits for the exit; SIGKILLs after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
