import type { Redis } from 'ioredis';
import { batchMarkerKey, COUNTER_INDEX_KEY, counterKey } from './counter-keys.js';

/** One increment of a batch: the counter's name, the label set's field, the amount. */
export interface BatchIncrement {
  readonly name: string;
  readonly field: string;
  readonly amount: number;
}

/**
 * What one flush writes, under an id of its own. A batch that Redis did not answer (a command
 * timeout, a dropped connection) may or may not have been applied: it is sent again exactly as
 * it was, id included, and its marker makes Redis apply it at most once.
 */
export interface CounterBatch {
  readonly id: string;
  /** The index entries written with the increments: counter name, its JSON entry. */
  readonly index: ReadonlyArray<readonly [name: string, entry: string]>;
  readonly increments: readonly BatchIncrement[];
  /** Earlier batches that were answered since: their markers now only have to outlive copies still in flight. */
  readonly answered: readonly string[];
}

/**
 * `duplicate`: an earlier delivery of this batch was applied, this one changed nothing.
 * `applied`: applied now, except what Redis refused (an increment of a field that is not an
 * integer, an index that is not a hash), which changed nothing either.
 */
export type BatchOutcome =
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'applied'; readonly indexError: string | undefined; readonly refused: ReadonlyArray<{ increment: BatchIncrement; error: string }> };

/**
 * How long a batch's marker is kept while its batch may still be sent again: it is resent at
 * every flush until Redis answers, however long Redis stays out of reach. A day: an unanswered
 * batch older than that could be counted twice.
 */
export const BATCH_MARKER_TTL_SECONDS = 86_400;

/**
 * How long a batch's marker is kept once its batch was answered: no flush sends it again, but a
 * copy of an earlier delivery may still reach Redis late (resent by ioredis after a reconnect,
 * left in a dropped connection's buffer while Redis was blocked, or retransmitted by TCP, which
 * gives up after ~15 minutes). Shortening the day to this keeps the markers of a busy replica
 * (one per flush, two a second) at thousands rather than hundreds of thousands.
 */
export const ANSWERED_MARKER_TTL_SECONDS = 3_600;

/**
 * The batch in one atomic step: the marker first (SET NX), so a batch whose marker exists
 * changes nothing; then the answered batches' markers shortened, the index entries and the
 * increments. The marker is the script's first write on purpose: Redis refuses a script for
 * lack of memory only at its first write, so such a refusal leaves nothing half applied.
 * Writes are pcall'ed, as inside MULTI: one refused command does not undo the others, and the
 * reply says which were refused.
 *
 * KEYS: this batch's marker, the index, the answered batches' markers (ARGV[3] of them), then
 * the counter hash of each increment.
 * ARGV: the marker's TTL, the answered markers' TTL, how many answered markers, how many index
 * entries, then name/entry pairs, then one field/amount pair per increment.
 * Reply: {'duplicate'}, or {'applied', index error or '', then position/error of each refused increment}.
 */
const WRITE_BATCH = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return {'duplicate'} end
local answered, indexed = tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 3, 2 + answered do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
local reply = {'applied', ''}
for i = 0, indexed - 1 do
  local written = redis.pcall('HSET', KEYS[2], ARGV[5 + 2 * i], ARGV[6 + 2 * i])
  if type(written) == 'table' and written.err then reply[2] = written.err end
end
local first, args = 3 + answered, 5 + 2 * indexed
for i = first, #KEYS do
  local at = args + 2 * (i - first)
  local result = redis.pcall('HINCRBY', KEYS[i], ARGV[at], ARGV[at + 1])
  if type(result) == 'table' and result.err then
    reply[#reply + 1] = i - first
    reply[#reply + 1] = result.err
  end
end
return reply
`;

const COMMAND = 'platformCountersWriteBatch';

type ScriptedRedis = Redis & { [COMMAND](...args: Array<string | number>): Promise<Array<string | number>> };

/**
 * Writes `batch` in one round trip (EVALSHA, EVAL the first time on a connection). Throws
 * when Redis did not answer; the batch may then have been applied or not, and sending it again
 * is safe.
 */
export async function writeBatch(redis: Redis, batch: CounterBatch): Promise<BatchOutcome> {
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: WRITE_BATCH });
  const keys = [batchMarkerKey(batch.id), COUNTER_INDEX_KEY, ...batch.answered.map(batchMarkerKey), ...batch.increments.map(counterKey)];
  const args = [
    BATCH_MARKER_TTL_SECONDS,
    ANSWERED_MARKER_TTL_SECONDS,
    batch.answered.length,
    batch.index.length,
    ...batch.index.flat(),
    ...batch.increments.flatMap(({ field, amount }) => [field, amount]),
  ];
  const [kind, indexError, ...refused] = await (redis as ScriptedRedis)[COMMAND](keys.length, ...keys, ...args);
  if (kind === 'duplicate') return { kind: 'duplicate' };
  const refusals: Array<{ increment: BatchIncrement; error: string }> = [];
  for (let i = 0; i < refused.length; i += 2) refusals.push({ increment: batch.increments[Number(refused[i])]!, error: String(refused[i + 1]) });
  return { kind: 'applied', indexError: indexError ? String(indexError) : undefined, refused: refusals };
}
