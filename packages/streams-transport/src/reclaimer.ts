import type { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { InFlight } from './in-flight.js';
import { parseAutoClaimReply, parsePendingDeliveries, type StreamEntry } from './redis-replies.js';

export interface ReclaimerOptions {
  writer: Redis;
  group: string;
  consumer: string;
  /** Every stream the group reads. */
  streams: readonly string[];
  claimIdleMs: number;
  batchSize: number;
  inFlight: InFlight;
  /** Receives each entry taken over from an idle consumer, with how often it was delivered so far. */
  onClaimed: (stream: string, entry: StreamEntry, deliveries: number) => void;
  /** Chores for the housekeeping round (once a minute), e.g. trimming old dead letters. */
  housekeeping?: () => Promise<void>;
  logger: LoggerService;
}

/** Consumers with nothing pending and idle this long are removed from the group (their processes are gone). */
const FORGET_CONSUMER_IDLE_MS = 30 * 60_000;
/** How often idle consumers are forgotten and `housekeeping` runs. */
const HOUSEKEEPING_EVERY_MS = 60_000;
/** XAUTOCLAIM calls per stream per take-over, so one huge pending list cannot hold up reading. */
const MAX_PAGES_PER_TAKE_OVER = 5;

/**
 * Deletes the group's consumers that hold nothing and were idle long enough, atomically: a
 * consumer receiving an entry between a check and the delete would lose it from the pending
 * list, so check and delete happen inside one script. Returns how many were removed.
 */
const FORGET_IDLE_CONSUMERS = `
local removed = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['name'] ~= ARGV[2] and tonumber(info['pending']) == 0 and tonumber(info['idle']) > tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed
`;

/**
 * Keeps the group's pending entries moving when consumers die:
 * - every `claimIdleMs / 3` it heartbeats this replica's in-flight entries (XCLAIM to itself,
 *   JUSTID), resetting their idle time, so a slow handler is never mistaken for a dead one and
 *   handled twice;
 * - takeOver() takes over entries idle longer than `claimIdleMs` (XAUTOCLAIM): those of dead
 *   replicas, and event entries whose handler failed and were left pending to be retried. The
 *   consume loop calls it between reads (every `intervalMs`), so reading and taking over share
 *   one bound on the handlers running at once;
 * - once a minute it removes long-gone consumers from the group and runs `housekeeping`.
 * Each timer round waits for the previous one, so a Redis outage pauses it instead of piling up.
 */
export class Reclaimer {
  /** How often heartbeats are sent and take-overs are tried. */
  readonly intervalMs: number;
  private readonly cursors = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private claiming = true;
  private stopped = false;
  private lastHousekeeping = Date.now();
  /** Rotates the stream whose idle entries are taken over first, so one cannot starve the others. */
  private turn = 0;

  constructor(private readonly options: ReclaimerOptions) {
    this.intervalMs = Math.max(10, Math.floor(options.claimIdleMs / 3));
  }

  start(): void {
    this.schedule();
  }

  /** No more take-overs (the replica is draining); heartbeats continue until stop(). */
  stopClaiming(): void {
    this.claiming = false;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * Takes over idle entries of the group, at most as many as there are free slots (each
   * XAUTOCLAIM asks for no more than that), and hands them to `onClaimed`, which starts them
   * before the next XAUTOCLAIM is sized. Never throws: a failure is logged and retried next time.
   */
  async takeOver(): Promise<void> {
    try {
      await this.reclaim();
    } catch (error) {
      if (!this.stopped) this.options.logger.warn(`taking over idle entries failed: ${describe(error)}; retrying`);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.intervalMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.heartbeat();
      if (this.claiming && Date.now() - this.lastHousekeeping > HOUSEKEEPING_EVERY_MS) {
        this.lastHousekeeping = Date.now();
        await this.forgetIdleConsumers();
        await this.options.housekeeping?.();
      }
    } catch (error) {
      if (!this.stopped) this.options.logger.warn(`heartbeats or housekeeping failed: ${describe(error)}; retrying`);
    }
  }

  private async heartbeat(): Promise<void> {
    const { writer, group, consumer, inFlight } = this.options;
    // Entries idle less than half a tick were just read or claimed; skipping them also avoids
    // grabbing back an entry another replica took over a moment ago.
    const minIdle = String(Math.floor(this.intervalMs / 2));
    await Promise.all(
      [...inFlight.entries()].map(([stream, ids]) =>
        ids.size > 0 ? writer.call('XCLAIM', stream, group, consumer, minIdle, ...ids, 'JUSTID') : undefined,
      ),
    );
  }

  private async reclaim(): Promise<void> {
    const { writer, group, consumer, claimIdleMs, batchSize, inFlight, onClaimed, logger, streams } = this.options;
    const start = this.turn++ % streams.length;
    for (const stream of [...streams.slice(start), ...streams.slice(0, start)]) {
      for (let page = 0; page < MAX_PAGES_PER_TAKE_OVER && inFlight.capacity > 0 && this.claiming; page++) {
        const cursor = this.cursors.get(stream) ?? '0-0';
        const count = String(Math.min(batchSize, inFlight.capacity));
        const claimed = parseAutoClaimReply(
          await writer.call('XAUTOCLAIM', stream, group, consumer, String(claimIdleMs), cursor, 'COUNT', count),
        );
        this.cursors.set(stream, claimed.cursor);
        if (claimed.deletedIds.length > 0) {
          logger.warn(
            `${stream}: ${claimed.deletedIds.length} pending entries were trimmed before they were handled ` +
              '(the stream is too short for the backlog); they are lost to this group',
          );
        }
        const fresh = claimed.entries.filter((entry) => !inFlight.has(stream, entry.id));
        // Draining began while claiming: leave them pending, another replica takes them over.
        if (!this.claiming) return;
        if (fresh.length > 0) {
          const deliveries = parsePendingDeliveries(
            await writer.call(
              'XPENDING', stream, group, fresh[0]!.id, fresh.at(-1)!.id,
              String(fresh.length + inFlight.size), consumer,
            ),
          );
          logger.log(`${stream}: took over ${fresh.length} entries idle for more than ${claimIdleMs} ms`);
          for (const entry of fresh) onClaimed(stream, entry, deliveries.get(entry.id) ?? 2);
        }
        if (claimed.cursor === '0-0') break;
      }
    }
  }

  private async forgetIdleConsumers(): Promise<void> {
    const { writer, group, consumer, logger } = this.options;
    for (const stream of this.options.streams) {
      const removed = Number(
        await writer.eval(FORGET_IDLE_CONSUMERS, 1, stream, group, consumer, String(FORGET_CONSUMER_IDLE_MS)),
      );
      if (removed > 0) logger.log(`${stream}: removed ${removed} consumers idle for over 30 minutes from ${group}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
