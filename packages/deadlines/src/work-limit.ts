import { remainingMs, throwIfExpired } from './deadline.js';

/**
 * Thrown when a WorkLimit refuses work it could not start in time: nothing was done, so the
 * caller may retry after `retryAfterSeconds` (the platform answers 503 with `Retry-After`).
 */
export class OverloadedError extends Error {
  override readonly name = 'OverloadedError';

  constructor(
    readonly step: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`overloaded: ${step} could not start in time; nothing was done, retry after ${retryAfterSeconds} s`);
  }
}

export interface WorkLimitOptions {
  /** How many run at once (e.g. the cores one kind of CPU-bound work may take). */
  concurrency: number;
  /** The longest a piece of work waits for its turn before it is refused (the request's deadline may cut it shorter). */
  maxWaitMs: number;
  /**
   * How many may wait at once (default: `concurrency`); beyond, work is refused at once. A
   * short line keeps the refusals fast, so a burst drains in milliseconds instead of holding
   * the transport's in-flight slots (and the requests queued behind them) for `maxWaitMs`.
   */
  maxWaiting?: number;
  /** What a refused caller is told to wait before retrying. */
  retryAfterSeconds?: number;
  /** Time the work needs, kept free before the deadline: work that could not finish in time is not started. */
  reserveMs?: number;
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A concurrency bound with a bounded wait, for expensive work (a password hash): beyond the
 * bound, a short line (`maxWaiting`) waits at most `maxWaitMs` (and never past its request's
 * deadline less `reserveMs`); the rest is refused at once with OverloadedError instead of
 * queueing until long after its caller gave up. Overload is answered fast, and what runs, runs in time.
 * Written here because the limiters on npm either queue without a bound on the wait
 * (p-limit, p-queue) or are no longer maintained (bottleneck); this is the whole of it.
 */
export class WorkLimit {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: WorkLimitOptions) {
    if (!(options.concurrency >= 1)) throw new Error('WorkLimit: concurrency must be at least 1');
  }

  /** How many run now, and how many wait. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `work` when a slot is free; refuses it (OverloadedError, DeadlineExceededError) rather than start it late. */
  async run<T>(step: string, work: () => Promise<T>): Promise<T> {
    const reserveMs = this.options.reserveMs ?? 0;
    throwIfExpired(step, reserveMs);
    if (this.running >= this.options.concurrency) await this.turn(step, reserveMs);
    else this.running += 1;
    try {
      throwIfExpired(step, reserveMs);
      return await work();
    } finally {
      this.release();
    }
  }

  /** Waits for a slot handed over by release(); the slot is counted as running once it resolves. */
  private turn(step: string, reserveMs: number): Promise<void> {
    const left = remainingMs();
    const waitMs = Math.min(this.options.maxWaitMs, left === undefined ? Number.POSITIVE_INFINITY : left - reserveMs);
    if (waitMs <= 0 || this.waiting.length >= (this.options.maxWaiting ?? this.options.concurrency)) return Promise.reject(new OverloadedError(step, this.options.retryAfterSeconds ?? 1));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new OverloadedError(step, this.options.retryAfterSeconds ?? 1));
        }, waitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter: `running` stays the same.
    if (next) next.start();
    else this.running -= 1;
  }
}
