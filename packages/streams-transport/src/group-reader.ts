import type { LoggerService } from '@nestjs/common';
import { corkableSocket, isRedisReady } from '@platform/redis';
import type { Redis } from 'ioredis';
import { takeUpTo, waitForNewEntries } from './bounded-take.js';
import type { InFlight } from './in-flight.js';
import { planRead } from './read-plan.js';
import { parseReadReply, redisErrorCode, type StreamBatch, type StreamEntry } from './redis-replies.js';
import { pause, signal, withinTime } from './timers.js';

export interface GroupStream {
  key: string;
  /** Where the group starts when this call creates it: `0` (everything kept) or `$` (only new entries). */
  startId: '0' | '$';
}

export interface GroupReaderOptions {
  /** A dedicated connection (role `blocking`): XREADGROUP BLOCK holds it. */
  reader: Redis;
  /** Its connection name, to find it in CLIENT LIST and unblock it on stop. */
  readerName: string;
  /** For everything else (group creation, CLIENT UNBLOCK), so it never waits behind the block. */
  writer: Redis;
  group: string;
  consumer: string;
  streams: readonly GroupStream[];
  blockMs: number;
  batchSize: number;
  inFlight: InFlight;
  onEntry: (stream: string, entry: StreamEntry) => void;
  /**
   * Taking over idle entries of other consumers (Reclaimer.takeOver), run between reads every
   * `intervalMs`: entries read and entries taken over then come out of the same free slots.
   */
  takeOver?: { intervalMs: number; run: () => Promise<void> };
  logger: LoggerService;
}

const RETRY_AFTER_ERROR_MS = 1_000;

/**
 * The consume loop. It takes only work it can start: every read (and every take-over of idle
 * entries, which runs in this loop too) is sized so that even its fullest answer fits in the
 * free slots of `inFlight` (see planRead), so `maxInFlight` bounds the handlers running at once
 * across all streams, and what this replica has no room for stays in the stream for another
 * replica. While Redis is down the blocking connection holds the command until it is back; a
 * group that disappeared (Redis lost its data) is created again.
 */
export class GroupReader {
  private stopping = false;
  private readonly stopped = signal();
  private readonly groupsCreated = signal();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: GroupReaderOptions) {}

  /** Resolves once the group exists on every stream (the loop creates them before reading). */
  get ready(): Promise<void> {
    return this.groupsCreated.promise;
  }

  /** Creates the group on every stream that lacks it (creating the stream too). */
  async ensureGroups(): Promise<void> {
    const { writer, group, streams } = this.options;
    await Promise.all(
      streams.map(async ({ key, startId }) => {
        try {
          await writer.call('XGROUP', 'CREATE', key, group, startId, 'MKSTREAM');
        } catch (error) {
          if (redisErrorCode(error) !== 'BUSYGROUP') throw error;
        }
      }),
    );
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Stops reading: the current XREADGROUP is unblocked (CLIENT UNBLOCK returns it empty, so
   * nothing it would have delivered is lost) and the loop ends after handing over what it got.
   */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.stopped.resolve();
    this.options.inFlight.wakeAll();
    if (!isRedisReady(this.options.reader)) {
      // Redis is unreachable, so nothing can be delivered to the pending read: drop it, and
      // the loop ends as soon as its commands fail.
      this.options.reader.disconnect();
      return;
    }
    await this.unblock();
    const ended = await withinTime(this.loop.then(() => true), this.options.blockMs + 1_000);
    // Unblocking needs CLIENT permissions; without them, the block ends by itself within blockMs.
    if (!ended) this.options.reader.disconnect();
  }

  private async run(): Promise<void> {
    const { group, inFlight, logger } = this.options;
    let failing = false;
    while (!this.stopping) {
      try {
        // While Redis is down this waits for it (the writer's role is `blocking`).
        await this.ensureGroups();
        if (failing) logger.log(`${group}: consumer groups created`);
        failing = false;
        this.groupsCreated.resolve();
        break;
      } catch (error) {
        if (!failing) logger.error(`${group}: creating consumer groups failed: ${describe(error)}; retrying`);
        failing = true;
        await pause(RETRY_AFTER_ERROR_MS, this.stopped.promise);
      }
    }
    let nextTakeOver = 0;
    let turn = 0;
    while (!this.stopping) {
      await inFlight.waitForCapacity(() => this.stopping);
      if (this.stopping) break;
      const { takeOver } = this.options;
      if (takeOver && Date.now() >= nextTakeOver) {
        await takeOver.run();
        nextTakeOver = Date.now() + takeOver.intervalMs;
        continue;
      }
      // The block ends in time for the next take-over (BLOCK 0 would mean forever).
      const blockMs = Math.max(1, Math.min(this.options.blockMs, takeOver ? nextTakeOver - Date.now() : Infinity));
      let batches: StreamBatch[];
      try {
        batches = await this.read(inFlight.capacity, turn++, blockMs);
        if (failing) logger.log(`${group}: reading again`);
        failing = false;
      } catch (error) {
        if (this.stopping) break;
        if (redisErrorCode(error) === 'NOGROUP') {
          logger.warn(`${group}: a consumer group or stream is missing (did Redis lose its data?); creating it again`);
          await this.ensureGroups().catch((cause: unknown) => logger.error(`${group}: creating groups failed: ${String(cause)}`));
        } else if (!failing) {
          logger.error(`${group}: reading failed: ${describe(error)}; retrying`);
        }
        failing = true;
        await pause(RETRY_AFTER_ERROR_MS, this.stopped.promise);
        continue;
      }
      this.handOver(batches);
    }
  }

  /**
   * Hands the entries read to `onEntry`. Each one's first command (a request's claim in the
   * request memory) is issued on the writer while it is handed over, so with the writer's
   * socket corked meanwhile they leave in one write: one system call for a read of 16
   * requests, and a single request is written at once (auto-pipelining would wait for the
   * next turn of the event loop, about 0.1 ms on a busy machine).
   */
  private handOver(batches: readonly StreamBatch[]): void {
    const socket = corkableSocket(this.options.writer);
    socket?.cork();
    try {
      for (const { stream, entries } of batches) {
        for (const entry of entries) this.options.onEntry(stream, entry);
      }
    } finally {
      socket?.uncork();
    }
  }

  /** Reads at most `free` new entries over all streams, waiting up to `blockMs` for some. */
  private async read(free: number, turn: number, blockMs: number): Promise<StreamBatch[]> {
    const { reader, group, consumer, streams, batchSize } = this.options;
    const keys = streams.map((stream) => stream.key);
    const plan = planRead(free, keys, batchSize, turn);
    if (plan.kind === 'block') {
      return parseReadReply(
        await reader.call(
          'XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(plan.count), 'BLOCK', String(blockMs),
          'STREAMS', ...keys, ...keys.map(() => '>'),
        ),
      );
    }
    const taken = await takeUpTo(reader, { group, consumer, streams: plan.order, total: plan.total, perStream: plan.perStream });
    // Nothing waiting: block until something arrives (without taking it), then take again.
    if (taken.waitFrom) await waitForNewEntries(reader, plan.order, taken.waitFrom, blockMs);
    return taken.batches;
  }

  private async unblock(): Promise<void> {
    const { writer, readerName } = this.options;
    try {
      const list = String(await withinTime(writer.call('CLIENT', 'LIST', 'TYPE', 'normal'), 1_000));
      const line = list.split('\n').find((entry) => entry.includes(` name=${readerName} `));
      const id = line && /^id=(\d+)/.exec(line)?.[1];
      if (id) await withinTime(writer.call('CLIENT', 'UNBLOCK', id), 1_000);
    } catch {
      // Not allowed or Redis down: stop() falls back to waiting for the block to end.
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
