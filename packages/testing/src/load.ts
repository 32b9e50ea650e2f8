import { performance } from 'node:perf_hooks';
import { parseBody } from './http.js';

/** What one HTTP call ended with: a status and body, or (status 0) the network error. */
export interface HttpOutcome {
  /** The HTTP status, or 0 when no response arrived (refused, reset, aborted). */
  status: number;
  /** The body parsed as JSON when it is JSON, else the text. */
  body: unknown;
  /** The network error's code or message, when status is 0. */
  error?: string;
  durationMs: number;
}

/**
 * One HTTP call that never throws: the outcome says what happened, so a load test can count
 * every request's answer. Aborted after `timeoutMs` (default 30 s) so nothing waits forever.
 */
export async function httpOutcome(url: string, { timeoutMs = 30_000, ...init }: RequestInit & { timeoutMs?: number } = {}): Promise<HttpOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: parseBody(await response.text()), durationMs: performance.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return { status: 0, body: undefined, error: reason, durationMs: performance.now() - started };
  }
}

export interface LoadOptions<T> {
  /** Calls in flight at once (a closed loop: each worker sends its next call when one ends). */
  concurrency: number;
  /** Stop after this many calls; without it, the load runs until stop(). */
  total?: number;
  /** Sends call number `index` (0-based) and resolves with its outcome; must not throw. */
  send: (index: number) => Promise<T>;
  /** Pause between a worker's calls, to keep the load moderate on a small machine. */
  pauseMs?: number;
}

/** One call of a load run. */
export interface LoadCall<T> {
  index: number;
  /** When it was sent, ms since the run started. */
  sentAtMs: number;
  outcome: T;
}

/**
 * A closed-loop load generator: `concurrency` workers send calls back to back, every call's
 * outcome is recorded in order. `stop()` stops sending and waits for the calls in flight, so
 * a test can compare what was sent with what was answered.
 */
export class LoadRun<T> {
  private readonly calls: Array<LoadCall<T>> = [];
  private next = 0;
  private stopping = false;
  private readonly started = performance.now();
  private readonly workers: Promise<void>;

  private constructor(private readonly options: LoadOptions<T>) {
    this.workers = Promise.all(Array.from({ length: options.concurrency }, () => this.work())).then(() => undefined);
  }

  static start<T>(options: LoadOptions<T>): LoadRun<T> {
    return new LoadRun(options);
  }

  /** Calls sent so far (answered or not). */
  get sent(): number {
    return this.next;
  }

  /** Calls answered so far. */
  get completed(): number {
    return this.calls.length;
  }

  /** Resolves when `total` calls are answered (or after stop()). */
  async finished(): Promise<Array<LoadCall<T>>> {
    await this.workers;
    return [...this.calls].sort((a, b) => a.index - b.index);
  }

  /** Stops sending and resolves with every call once those in flight are answered. */
  stop(): Promise<Array<LoadCall<T>>> {
    this.stopping = true;
    return this.finished();
  }

  private async work(): Promise<void> {
    const { send, pauseMs = 0 } = this.options;
    const total = this.options.total ?? Number.POSITIVE_INFINITY;
    for (;;) {
      if (this.stopping || this.next >= total) return;
      const index = this.next++;
      const sentAtMs = performance.now() - this.started;
      const outcome = await send(index);
      this.calls.push({ index, sentAtMs, outcome });
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

/** Counts of each distinct key, e.g. `tally(calls, (c) => c.outcome.status)`. */
export function tally<T, K extends string | number>(items: readonly T[], key: (item: T) => K): Record<K, number> {
  const counts = {} as Record<K, number>;
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}
