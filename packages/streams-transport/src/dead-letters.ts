import type { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { MalformedReason } from './envelope.js';
import { execResults, type StreamEntry } from './redis-replies.js';

/** Why an entry went to the dead-letter stream. */
export type DeadLetterReason = MalformedReason | 'max-deliveries' | 'rejected';

/** A dead letter keeps at most this much of the original entry: enough to see what it was. */
const MAX_COPIED_BYTES = 8 * 1024;

/**
 * Sets entries aside that the group cannot handle: malformed ones, and ones delivered
 * `maxDeliveries` times without success (a handler that keeps failing or crashing its
 * process). The copy and the XACK happen in one MULTI, so an entry is never both lost and
 * acknowledged. The original stays in its stream until trimming removes it.
 */
export class DeadLetters {
  constructor(
    private readonly writer: Redis,
    private readonly group: string,
    /** The group's dead-letter stream (StreamKeys.deadLetter). */
    private readonly key: string,
    private readonly maxLength: number,
    private readonly logger: LoggerService,
  ) {}

  async moveAside(stream: string, entry: StreamEntry, reason: DeadLetterReason, detail: string): Promise<void> {
    this.logger.warn(`${stream} ${entry.id}: ${reason} (${detail}); moved to ${this.key}`);
    const copy = JSON.stringify(entry.fields ?? []);
    const fields = copy.length > MAX_COPIED_BYTES ? `${copy.slice(0, MAX_COPIED_BYTES)}... (truncated)` : copy;
    const results = await this.writer
      .multi()
      .call(
        'XADD', this.key, 'MAXLEN', '~', String(this.maxLength), '*',
        'stream', stream,
        'id', entry.id,
        'group', this.group,
        'reason', reason,
        'detail', detail.slice(0, 1_000),
        'fields', fields,
        'at', new Date().toISOString(),
      )
      .call('XACK', stream, this.group, entry.id)
      .exec();
    execResults(results);
  }
}
