import type { Redis } from 'ioredis';

/** What a steady writer saw while something happened to Redis. */
export interface WriteRecord {
  /** Writes that failed (refused, timed out, or no connection). */
  failed: number;
  succeeded: number;
  /** The longest time, in ms, between two successful writes: how long writes were unavailable. */
  longestGapMs: number;
  /** Distinct primaries Sentinel named, in order (a planned rolling update moves it once). */
  primaries: string[];
}

/**
 * Writes one key after another (every `intervalMs`) through `client` and asks Sentinel for
 * the primary alongside, until `stop()` is called; the figures a user would notice during a
 * rolling update: refused writes, the longest write pause, how often the primary moved.
 */
export class WriteProbe {
  private running = true;
  private readonly done: Promise<void>;
  private readonly record: WriteRecord = { failed: 0, succeeded: 0, longestGapMs: 0, primaries: [] };

  constructor(
    private readonly client: Redis,
    private readonly primaryAddress: () => Promise<string | undefined>,
    private readonly intervalMs = 10,
  ) {
    this.done = Promise.all([this.write(), this.watchPrimary()]).then(() => undefined);
  }

  async stop(): Promise<WriteRecord> {
    this.running = false;
    await this.done;
    return this.record;
  }

  private async write(): Promise<void> {
    let lastSuccess = Date.now();
    for (let n = 0; this.running; n++) {
      try {
        await this.client.set('rolling-update:last', String(n));
        const now = Date.now();
        this.record.longestGapMs = Math.max(this.record.longestGapMs, now - lastSuccess);
        lastSuccess = now;
        this.record.succeeded++;
      } catch {
        this.record.failed++;
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }

  private async watchPrimary(): Promise<void> {
    while (this.running) {
      const address = await this.primaryAddress().catch(() => undefined);
      if (address && this.record.primaries.at(-1) !== address) this.record.primaries.push(address);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
