import type { LoggerService } from '@nestjs/common';
import type { WritePacket } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { decodeReply } from './envelope.js';
import { pause, signal } from './timers.js';

export interface ReplyReaderOptions {
  /** A dedicated connection (role `blocking`): BLMPOP holds it. */
  reader: Redis;
  key: string;
  maxEntryBytes: number;
  onReply: (id: string, packet: WritePacket) => void;
  logger: LoggerService;
}

const BLOCK_SECONDS = '5';
const BATCH = '500';
const RETRY_AFTER_ERROR_MS = 1_000;
/** What the read is raced against: stop() was called. */
const STOPPED = Symbol('stopped');

/**
 * Pops a client instance's own reply list: one `BLMPOP ... COUNT 500` takes every reply that
 * is waiting, and a popped reply needs no deletion. Only this instance reads the list, and a
 * reply pushed while its connection was down waits in the list until it is back. (A pop whose
 * answer is lost with the connection loses its replies: their calls time out, and a retry
 * under the same request id is answered from the server's memory.)
 */
export class ReplyReader {
  private stopping = false;
  private readonly stopped = signal();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ReplyReaderOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the loop; pending calls are the client's to fail, so the blocked pop is just dropped. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.resolve();
    this.options.reader.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { reader, key, maxEntryBytes, onReply, logger } = this.options;
    let failing = false;
    while (!this.stopping) {
      let popped: string[];
      try {
        const reading = reader.call('BLMPOP', BLOCK_SECONDS, '1', key, 'LEFT', 'COUNT', BATCH);
        // stop() must not wait on this pop: while the connection is reconnecting, ioredis
        // holds it in its offline queue, and disconnect() then never settles it.
        const reply = await Promise.race([reading, this.stopped.promise.then(() => STOPPED)]);
        if (reply === STOPPED) {
          reading.catch(() => undefined);
          break;
        }
        popped = parsePopReply(reply);
        failing = false;
      } catch (error) {
        if (this.stopping) break;
        if (!failing) logger.warn(`reading the replies failed: ${error instanceof Error ? error.message : String(error)}; retrying`);
        failing = true;
        await pause(RETRY_AFTER_ERROR_MS, this.stopped.promise);
        continue;
      }
      for (const element of popped) {
        const reply = decodeReply(element, maxEntryBytes);
        if (!reply.ok) {
          logger.warn(`${key}: ignoring a ${reply.reason} reply (${reply.detail})`);
          continue;
        }
        onReply(reply.value.id, reply.value.packet);
      }
    }
  }
}

/** The elements of a BLMPOP reply: null when it timed out, else `[key, elements]`. */
export function parsePopReply(reply: unknown): string[] {
  if (reply === null) return [];
  const elements: unknown = Array.isArray(reply) ? reply[1] : undefined;
  if (!Array.isArray(elements)) throw new Error(`unexpected BLMPOP reply: ${JSON.stringify(reply)?.slice(0, 200)}`);
  return elements.map((element: unknown) => (Buffer.isBuffer(element) ? element.toString() : String(element)));
}
