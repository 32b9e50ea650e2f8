/**
 * Parsers for the raw stream replies of `redis.call(...)`. ioredis speaks RESP3 by default and
 * maps a RESP3 map to a flat `[key, value, key, value]` array, while RESP2 gives
 * `[[key, value], ...]`; both shapes are accepted so a protocol switch in @platform/redis
 * cannot break the consumers. Anything else is reported as an error, never guessed at.
 */

/** One stream entry; `fields` is null for an entry trimmed away while it was pending. */
export interface StreamEntry {
  id: string;
  fields: string[] | null;
}

export interface StreamBatch {
  stream: string;
  entries: StreamEntry[];
}

export interface AutoClaimResult {
  /** Where the next XAUTOCLAIM continues; `0-0` once the whole pending list was scanned. */
  cursor: string;
  entries: StreamEntry[];
  /** Pending entries that no longer exist (trimmed); Redis removed them from the pending list. */
  deletedIds: string[];
}

function unexpected(what: string, reply: unknown): Error {
  return new Error(`unexpected ${what} reply: ${JSON.stringify(reply)?.slice(0, 200)}`);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString();
  return undefined;
}

/** Entries as XRANGE, XREAD, XREADGROUP and XAUTOCLAIM return them. */
export function parseEntries(items: unknown): StreamEntry[] {
  if (!Array.isArray(items)) throw unexpected('stream entries', items);
  return items.map((item: unknown) => {
    if (!Array.isArray(item) || typeof item[0] !== 'string') throw unexpected('stream entry', item);
    const fields: unknown = item[1];
    if (fields === null || fields === undefined) return { id: item[0], fields: null };
    if (!isStringArray(fields)) throw unexpected('stream entry fields', item);
    return { id: item[0], fields };
  });
}

/** An XREAD/XREADGROUP reply: null when the block timed out, else entries per stream. */
export function parseReadReply(reply: unknown): StreamBatch[] {
  if (reply === null || reply === undefined) return [];
  if (!Array.isArray(reply)) throw unexpected('XREADGROUP', reply);
  const batches: StreamBatch[] = [];
  if (reply.length > 0 && typeof reply[0] === 'string') {
    // RESP3 map, flattened.
    for (let i = 0; i < reply.length; i += 2) {
      const stream = toText(reply[i]);
      if (stream === undefined) throw unexpected('XREADGROUP', reply);
      batches.push({ stream, entries: parseEntries(reply[i + 1]) });
    }
    return batches;
  }
  for (const pair of reply) {
    const stream = Array.isArray(pair) ? toText(pair[0]) : undefined;
    if (stream === undefined) throw unexpected('XREADGROUP', reply);
    batches.push({ stream, entries: parseEntries((pair as unknown[])[1]) });
  }
  return batches;
}

/** An XAUTOCLAIM reply (Redis 7: cursor, entries, deleted ids). */
export function parseAutoClaimReply(reply: unknown): AutoClaimResult {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') throw unexpected('XAUTOCLAIM', reply);
  const deleted: unknown = reply[2] ?? [];
  if (!isStringArray(deleted)) throw unexpected('XAUTOCLAIM', reply);
  // Redis 6.2 returned trimmed entries inline with null fields instead of in `deleted`.
  const all = parseEntries(reply[1]);
  return {
    cursor: reply[0],
    entries: all.filter((entry) => entry.fields !== null),
    deletedIds: [...deleted, ...all.filter((entry) => entry.fields === null).map((entry) => entry.id)],
  };
}

/** Delivery counts from the extended XPENDING form (`[id, consumer, idle, deliveries]` rows). */
export function parsePendingDeliveries(reply: unknown): Map<string, number> {
  if (!Array.isArray(reply)) throw unexpected('XPENDING', reply);
  const counts = new Map<string, number>();
  for (const row of reply) {
    if (!Array.isArray(row) || typeof row[0] !== 'string') throw unexpected('XPENDING', reply);
    counts.set(row[0], Number(row[3]));
  }
  return counts;
}

/** The error code Redis put first in an error reply, e.g. `NOGROUP` or `BUSYGROUP`. */
export function redisErrorCode(error: unknown): string | undefined {
  return error instanceof Error ? /^([A-Z]+)\b/.exec(error.message)?.[1] : undefined;
}

/** The results of a MULTI/EXEC; throws the first command error (or an aborted transaction). */
export function execResults(results: Array<[Error | null, unknown]> | null): unknown[] {
  if (!results) throw new Error('the transaction was aborted');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
