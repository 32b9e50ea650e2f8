import { withinTime } from './timers.js';

/**
 * The entries this replica is handling right now, per stream. It bounds the work a replica
 * takes (reading pauses while it is full), tells the reclaimer which entries to keep alive
 * with heartbeats, and lets close() wait for running handlers.
 */
export class InFlight {
  private readonly byStream = new Map<string, Set<string>>();
  private readonly running = new Set<Promise<void>>();
  private waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.running.size;
  }

  /** How many more entries may start now. */
  get capacity(): number {
    return Math.max(0, this.limit - this.running.size);
  }

  has(stream: string, id: string): boolean {
    return this.byStream.get(stream)?.has(id) ?? false;
  }

  /** The ids being handled, per stream (for heartbeats). */
  entries(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.byStream;
  }

  /** Runs `work` for the entry and forgets it when done; `work` must not reject. */
  run(stream: string, id: string, work: () => Promise<void>): void {
    let ids = this.byStream.get(stream);
    if (!ids) this.byStream.set(stream, (ids = new Set()));
    ids.add(id);
    const task = work().finally(() => {
      ids.delete(id);
      if (ids.size === 0) this.byStream.delete(stream);
      this.running.delete(task);
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
    this.running.add(task);
  }

  /** Resolves once an entry may start (at once when there is room), or once `stopping()` is true. */
  async waitForCapacity(stopping: () => boolean): Promise<void> {
    while (this.capacity === 0 && !stopping()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Wakes anything waiting for capacity, e.g. the reader when the server stops. */
  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits for every running entry, at most `timeoutMs`; returns how many were still running. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    // Loops because a finishing handler may not be the last: entries are never added while draining.
    while (this.running.size > 0 && Date.now() < deadline) {
      await withinTime(Promise.allSettled(this.running), deadline - Date.now());
    }
    return this.running.size;
  }
}
