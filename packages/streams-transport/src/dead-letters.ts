import type { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { deadLetterCopy } from './dead-letter-copy.js';
import type { MalformedReason } from './envelope.js';
import { execResults, type StreamEntry } from './redis-replies.js';

/** Why an entry went to the dead-letter stream. */
export type DeadLetterReason = MalformedReason | 'max-deliveries' | 'rejected';

/** How long and how many dead letters a group keeps. */
export interface DeadLetterBounds {
  /** About this many (XADD MAXLEN ~). */
  maxLength: number;
  /** None older than this (exact XTRIM MINID on every write and once a minute, and the key expires this long after the last write). */
  retentionMs: number;
}

/** The stream an entry came from, as far as setting it aside is concerned. */
export interface Origin {
  /** Payload paths to redact in the copy (the handler's `sensitive` extras). */
  sensitive: readonly string[];
  /**
   * Delete the original from its stream too. Request streams have one group (the service that
   * answers the pattern), so nobody else needs the entry and its payload (a password, say)
   * must not linger until trimming; event streams are shared by every subscribing group.
   */
  deleteOriginal: boolean;
}

/**
 * Sets entries aside that the group cannot handle: malformed ones, and ones delivered
 * `maxDeliveries` times without success (a handler that keeps failing or crashing its
 * process). The copy, the XACK and (for requests) the XDEL happen in one MULTI, so an entry
 * is never both lost and acknowledged. The copy keeps no sensitive field (see deadLetterCopy),
 * and the stream is bounded in length and in age, so what is set aside does not stay forever.
 */
export class DeadLetters {
  constructor(
    private readonly writer: Redis,
    private readonly group: string,
    /** The group's dead-letter stream (StreamKeys.deadLetter). */
    private readonly key: string,
    private readonly bounds: DeadLetterBounds,
    private readonly logger: LoggerService,
  ) {}

  async moveAside(stream: string, entry: StreamEntry, reason: DeadLetterReason, detail: string, origin: Origin): Promise<void> {
    this.logger.warn(`${stream} ${entry.id}: ${reason} (${detail}); moved to ${this.key}`);
    const fields = deadLetterCopy(entry.fields, { sensitive: origin.sensitive, oversized: reason === 'oversized' });
    const transaction = this.writer
      .multi()
      .call(
        'XADD', this.key, 'MAXLEN', '~', String(this.bounds.maxLength), '*',
        'stream', stream,
        'id', entry.id,
        'group', this.group,
        'reason', reason,
        'detail', detail.slice(0, 1_000),
        'fields', fields,
        'at', new Date().toISOString(),
      )
      .call('XTRIM', this.key, 'MINID', this.oldestKept())
      // Nothing trims a stream nobody writes to any more (the service was removed): the key
      // goes once every entry in it is past the retention.
      .call('PEXPIRE', this.key, String(this.bounds.retentionMs))
      .call('XACK', stream, this.group, entry.id);
    if (origin.deleteOriginal) transaction.call('XDEL', stream, entry.id);
    execResults(await transaction.exec());
  }

  /** Removes dead letters older than the retention; run now and then (a quiet stream gets no writes to trim it). */
  async trimExpired(): Promise<void> {
    const removed = Number(await this.writer.call('XTRIM', this.key, 'MINID', this.oldestKept()));
    if (removed > 0) this.logger.log(`${this.key}: removed ${removed} dead letters older than ${this.bounds.retentionMs} ms`);
  }

  /** The id of the oldest entry kept: entry ids are Redis' clock at the XADD, compared with this replica's clock. */
  private oldestKept(): string {
    return `${Math.max(0, Date.now() - this.bounds.retentionMs)}-0`;
  }
}
