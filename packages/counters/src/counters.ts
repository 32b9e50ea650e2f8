import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { CounterContract } from '@platform/contracts';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { COUNTER_INDEX_KEY, type CounterLabels, counterKey, encodeLabels, indexEntry } from './counter-keys.js';
import { COUNTERS_OPTIONS, type CountersOptions, DEFAULT_FLUSH_INTERVAL_MS } from './counters.constants.js';

/** Increments not yet in Redis: counter name -> field -> amount. */
type Pending = Map<string, Map<string, number>>;

/**
 * Business counters kept in Redis (see counter-keys.ts for the layout), so they count across
 * every replica and survive restarts; metrics-exporter exports them once for the platform.
 *
 * `increment` never touches Redis: it adds to an in-memory table that is flushed every
 * `flushIntervalMs` as one MULTI of HINCRBYs (one round trip, all or nothing), and once
 * more at shutdown. While Redis is unreachable the table keeps accumulating (its size is
 * bounded by the number of label sets, not by traffic) and the next flush sends it all.
 * A crash loses at most one interval of increments.
 *
 * Each flush also writes the index entry of every counter in it, in the same transaction, so
 * metrics-exporter can never see a total without knowing its counter, whatever Redis lost.
 * Counters declared up front (CountersModule.forFeature) are indexed by the first flush,
 * right after the application starts.
 */
@Injectable()
export class Counters implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Counters.name);
  private pending: Pending = new Map();
  /** Every counter this process declared or counted, by name. */
  private readonly known = new Map<string, CounterContract>();
  /** Declared counters whose index entry no flush has written yet. */
  private readonly unindexed = new Set<string>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastError = '';

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(COUNTERS_OPTIONS) private readonly options: CountersOptions,
  ) {}

  /** Makes these counters known to metrics-exporter with the next flush, counted or not. */
  declare(...counters: CounterContract[]): void {
    for (const counter of counters) if (this.learn(counter)) this.unindexed.add(counter.name);
  }

  /** Adds `by` to `counter` for this label set; synchronous, no I/O. */
  increment<C extends CounterContract>(counter: C, labels?: CounterLabels<C>, by = 1): void {
    if (!Number.isInteger(by) || by < 0) throw new RangeError(`${counter.name}: a counter only grows by whole amounts, got ${by}`);
    const field = encodeLabels(counter, labels ?? {});
    this.learn(counter);
    if (by === 0) return;
    let fields = this.pending.get(counter.name);
    if (!fields) this.pending.set(counter.name, (fields = new Map()));
    fields.set(field, (fields.get(field) ?? 0) + by);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Indexes the declared counters now rather than one interval later. */
  onApplicationBootstrap(): void {
    void this.flush();
  }

  /**
   * Called after the HTTP server and transports stopped (no more increments) and before
   * REDIS closes: CountersModule is imported after RedisModule, and Nest runs the shutdown
   * hooks of global modules in reverse import order.
   */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.pending.size > 0) this.logger.warn(`${this.pendingTotal()} counter increments could not be written to Redis before stopping`);
  }

  /** Writes every pending increment now; resolves when Redis has them (or they were kept for later). */
  async flush(): Promise<void> {
    // One flush at a time: a second caller waits for the running one, then sends what is left.
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0 && this.unindexed.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.send(batch, [...new Set([...this.unindexed, ...batch.keys()])]).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /** Whether `counter` is new to this process; throws when its name was declared differently. */
  private learn(counter: CounterContract): boolean {
    const known = this.known.get(counter.name);
    if (known === counter) return false;
    if (known) {
      if (indexEntry(known) !== indexEntry(counter)) throw new TypeError(`${counter.name} is declared twice, with different help or labels`);
      return false;
    }
    this.known.set(counter.name, counter);
    return true;
  }

  private async send(batch: Pending, indexed: readonly string[]): Promise<void> {
    const multi = this.redis.multi();
    const increments: Array<[name: string, field: string, amount: number]> = [];
    // First command of the transaction: the index entries (the replies of the HINCRBYs follow).
    const indexOffset = indexed.length > 0 ? 1 : 0;
    if (indexed.length > 0) multi.hset(COUNTER_INDEX_KEY, Object.fromEntries(indexed.map((name) => [name, indexEntry(this.known.get(name)!)])));
    for (const [name, fields] of batch) {
      for (const [field, amount] of fields) {
        multi.hincrby(counterKey(this.known.get(name)!), field, amount);
        increments.push([name, field, amount]);
      }
    }
    // What was not applied is kept for the next flush, and why.
    let unapplied: Pending = new Map();
    let failure: unknown;
    try {
      const replies = await multi.exec();
      if (replies === null) {
        // The transaction was discarded: nothing of it was applied.
        [unapplied, failure] = [batch, new Error('transaction discarded')];
      } else {
        // An error inside EXEC (e.g. a field that is not an integer) fails that command only:
        // Redis applied the others, so only the failed increments are kept.
        const [indexError] = indexOffset > 0 ? replies[0]! : [null];
        if (indexError) for (const name of indexed) this.unindexed.add(name);
        else for (const name of indexed) this.unindexed.delete(name);
        const failed = replies.slice(indexOffset).flatMap(([error], i) => (error ? [{ error, increment: increments[i]! }] : []));
        [unapplied, failure] = [pendingOf(failed.map(({ increment }) => increment)), failed[0]?.error ?? indexError ?? undefined];
      }
    } catch (error) {
      // The connection failed: nothing of this batch was applied.
      [unapplied, failure] = [batch, error];
    }
    if (failure === undefined) {
      if (this.lastError) this.logger.log('counters are written to Redis again');
      this.lastError = '';
      return;
    }
    this.restore(unapplied);
    const message = failure instanceof Error ? failure.message : String(failure);
    if (message !== this.lastError) this.logger.warn(`cannot write counters to Redis (${message}); keeping them for the next flush`);
    this.lastError = message;
  }

  private restore(batch: Pending): void {
    for (const [name, fields] of batch) {
      let current = this.pending.get(name);
      if (!current) this.pending.set(name, (current = new Map()));
      for (const [field, amount] of fields) current.set(field, (current.get(field) ?? 0) + amount);
    }
  }

  private pendingTotal(): number {
    let total = 0;
    for (const fields of this.pending.values()) for (const amount of fields.values()) total += amount;
    return total;
  }
}

/** The increments as a batch, to put back into the pending ones. */
function pendingOf(increments: ReadonlyArray<[name: string, field: string, amount: number]>): Pending {
  const pending: Pending = new Map();
  for (const [name, field, amount] of increments) {
    let fields = pending.get(name);
    if (!fields) pending.set(name, (fields = new Map()));
    fields.set(field, (fields.get(field) ?? 0) + amount);
  }
  return pending;
}
