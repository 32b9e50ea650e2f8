import type { LoggerService } from '@nestjs/common';
import type { WritePacket } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { decodeReply } from './envelope.js';
import { parseReadReply } from './redis-replies.js';
import { pause, signal } from './timers.js';

export interface InboxReaderOptions {
  /** A dedicated connection (role `blocking`): XREAD BLOCK holds it. */
  reader: Redis;
  /** Removes replies once read (role `command`); the inbox's MAXLEN and TTL are the backstop. */
  command: Redis;
  key: string;
  maxEntryBytes: number;
  onReply: (id: string, packet: WritePacket) => void;
  logger: LoggerService;
}

const BLOCK_MS = 5_000;
const BATCH = 500;
const RETRY_AFTER_ERROR_MS = 1_000;
/** What the read is raced against: stop() was called. */
const STOPPED = Symbol('stopped');

/**
 * Reads a client instance's own inbox stream. Only this instance reads it, so it needs no
 * consumer group: it remembers the last id it saw, and a reply written while the connection
 * was down is still there when it comes back.
 */
export class InboxReader {
  private stopping = false;
  private readonly stopped = signal();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: InboxReaderOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the loop; pending calls are the client's to fail, so the blocked read is just dropped. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.resolve();
    this.options.reader.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { reader, command, key, maxEntryBytes, onReply, logger } = this.options;
    // The inbox is new (its key has a random id), so everything in it is for this instance.
    let lastId = '0-0';
    let failing = false;
    while (!this.stopping) {
      let batches;
      try {
        const reading = reader.call('XREAD', 'COUNT', String(BATCH), 'BLOCK', String(BLOCK_MS), 'STREAMS', key, lastId);
        // stop() must not wait on this read: while the connection is reconnecting, ioredis
        // holds it in its offline queue, and disconnect() then never settles it.
        const reply = await Promise.race([reading, this.stopped.promise.then(() => STOPPED)]);
        if (reply === STOPPED) {
          reading.catch(() => undefined);
          break;
        }
        batches = parseReadReply(reply);
        failing = false;
      } catch (error) {
        if (this.stopping) break;
        if (!failing) logger.warn(`reading the inbox failed: ${error instanceof Error ? error.message : String(error)}; retrying`);
        failing = true;
        await pause(RETRY_AFTER_ERROR_MS, this.stopped.promise);
        continue;
      }
      const read: string[] = [];
      for (const { entries } of batches) {
        for (const entry of entries) {
          lastId = entry.id;
          read.push(entry.id);
          if (!entry.fields) continue;
          const reply = decodeReply(entry.fields, maxEntryBytes);
          if (!reply.ok) {
            logger.warn(`${key} ${entry.id}: ignoring a ${reply.reason} reply (${reply.detail})`);
            continue;
          }
          onReply(reply.value.id, reply.value.packet);
        }
      }
      if (read.length > 0) command.call('XDEL', key, ...read).catch(() => undefined);
    }
  }
}
