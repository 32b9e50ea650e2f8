import type { LoggerService } from '@nestjs/common';
import { isRedisReady } from '@platform/redis';
import type { Redis } from 'ioredis';
import type { InFlight } from './in-flight.js';
import { parseReadReply, redisErrorCode, type StreamEntry } from './redis-replies.js';
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
  logger: LoggerService;
}

const RETRY_AFTER_ERROR_MS = 1_000;

/**
 * The consume loop: one XREADGROUP over all of the group's streams at a time, asking only
 * for as many entries as there is room for, so a busy replica leaves work to the others.
 * While Redis is down the blocking connection holds the command until it is back; a group
 * that disappeared (Redis lost its data) is created again.
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
    const { reader, group, consumer, streams, blockMs, batchSize, inFlight, onEntry, logger } = this.options;
    const keys = streams.map((stream) => stream.key);
    const newOnly = keys.map(() => '>');
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
    while (!this.stopping) {
      await inFlight.waitForCapacity(() => this.stopping);
      if (this.stopping) break;
      const count = String(Math.min(batchSize, inFlight.capacity));
      let batches;
      try {
        batches = parseReadReply(
          await reader.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'BLOCK', String(blockMs), 'STREAMS', ...keys, ...newOnly),
        );
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
      for (const { stream, entries } of batches) {
        for (const entry of entries) onEntry(stream, entry);
      }
    }
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
