import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { CounterContract } from '@platform/contracts';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { type BatchIncrement, type CounterBatch, writeBatch } from './counter-batch.js';
import { type CounterLabels, encodeLabels, indexEntry } from './counter-keys.js';
import { COUNTERS_OPTIONS, type CountersOptions, DEFAULT_FLUSH_INTERVAL_MS } from './counters.constants.js';

/** Increments not yet in a batch: counter name -> field -> amount. */
type Pending = Map<string, Map<string, number>>;

/**
 * Business counters kept in Redis (see counter-keys.ts for the layout), so they count across
 * every replica and survive restarts; metrics-exporter exports them once for the platform.
 *
 * `increment` never touches Redis: it adds to an in-memory table that is flushed every
 * `flushIntervalMs` as one batch (one script, one round trip, see counter-batch.ts), and once
 * more at shutdown. While Redis is unreachable the table keeps accumulating (its size is
 * bounded by the number of label sets, not by traffic) and the next batch sends it all.
 * A crash loses at most one interval of increments.
 *
 * Each increment is counted once, even when Redis applies a batch but its reply is lost (a
 * command timeout while Redis is blocked, a connection dropped after the write): every batch
 * has an id, Redis keeps a marker of the ids it applied, and a batch that was not answered is
 * sent again unchanged, with its id, before any newer one, so Redis applies it at most once.
 * New increments meanwhile go to the next batch.
 *
 * Each batch also writes the index entry of every counter in it, in the same script, so
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
  /** The batch sent last, until Redis answers it: sent again as it is before anything newer. */
  private unanswered: CounterBatch | undefined;
  /** Batches answered since the last batch was made: the next one shortens their markers. */
  private answered: string[] = [];
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
    const unsent = this.pendingTotal();
    const unconfirmed = this.unanswered ? sum(this.unanswered.increments) : 0;
    if (unsent > 0) this.logger.warn(`${unsent} counter increments could not be written to Redis before stopping`);
    if (unconfirmed > 0) this.logger.warn(`${unconfirmed} counter increments were sent in a batch Redis did not answer before stopping: they may or may not be counted`);
  }

  /** Writes every pending increment now; resolves when Redis has them (or they were kept for later). */
  async flush(): Promise<void> {
    // One flush at a time: a second caller waits for the running one, then sends what is left.
    while (this.flushing) await this.flushing;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async flushOnce(): Promise<void> {
    // An unanswered batch may have been applied: it goes first, unchanged (its marker makes a
    // second application a no-op). A new batch is made only once Redis answered it, so at most
    // one batch is ever in doubt; the pending table absorbs new increments meanwhile.
    if (this.unanswered && !(await this.send(this.unanswered))) return;
    if (this.pending.size === 0 && this.unindexed.size === 0) return;
    await this.send(this.nextBatch());
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

  /** The pending increments and index entries as a new batch, with an id of its own. */
  private nextBatch(): CounterBatch {
    const increments: BatchIncrement[] = [];
    for (const [name, fields] of this.pending) for (const [field, amount] of fields) increments.push({ name, field, amount });
    const indexed = [...new Set([...this.unindexed, ...this.pending.keys()])];
    const batch: CounterBatch = {
      id: randomUUID(),
      index: indexed.map((name) => [name, indexEntry(this.known.get(name)!)] as const),
      increments,
      answered: this.answered,
    };
    this.pending = new Map();
    this.answered = [];
    return batch;
  }

  /** Sends `batch`; whether Redis answered (if not, it stays the unanswered batch). */
  private async send(batch: CounterBatch): Promise<boolean> {
    this.unanswered = batch;
    let failure: unknown;
    try {
      const outcome = await writeBatch(this.redis, batch);
      this.unanswered = undefined;
      this.answered.push(batch.id);
      if (outcome.kind === 'duplicate') {
        // An earlier delivery was applied whole; what it may have refused is not known any more.
        for (const [name] of batch.index) this.unindexed.delete(name);
      } else {
        for (const [name] of batch.index) {
          if (outcome.indexError) this.unindexed.add(name);
          else this.unindexed.delete(name);
        }
        // Refused increments changed nothing: they go to the next batch, under its new id.
        for (const { increment } of outcome.refused) this.restore(increment);
        failure = outcome.refused[0]?.error ?? outcome.indexError;
      }
    } catch (error) {
      // No answer: Redis may have applied the batch or not. It is sent again as it is.
      failure = error;
    }
    if (failure === undefined) {
      if (this.lastError) this.logger.log('counters are written to Redis again');
      this.lastError = '';
      return true;
    }
    const message = failure instanceof Error ? failure.message : String(failure);
    if (message !== this.lastError) this.logger.warn(`cannot write counters to Redis (${message}); keeping them for the next flush`);
    this.lastError = message;
    return this.unanswered === undefined;
  }

  private restore({ name, field, amount }: BatchIncrement): void {
    let fields = this.pending.get(name);
    if (!fields) this.pending.set(name, (fields = new Map()));
    fields.set(field, (fields.get(field) ?? 0) + amount);
  }

  private pendingTotal(): number {
    let total = 0;
    for (const fields of this.pending.values()) for (const amount of fields.values()) total += amount;
    return total;
  }
}

function sum(increments: readonly BatchIncrement[]): number {
  return increments.reduce((total, { amount }) => total + amount, 0);
}
