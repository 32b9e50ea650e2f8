import type { Redis } from 'ioredis';
import { parseReadReply, type StreamBatch } from './redis-replies.js';

/**
 * Takes (XREADGROUP, no BLOCK) at most `total` new entries across several streams, atomically:
 * first an even share from each stream in the order given (at least one), then what is left
 * from the streams that had more, never more than `perStream` from one. When it takes nothing
 * it returns the group's last-delivered id of every stream instead, so the caller can wait for
 * entries newer than those without taking any (XREAD; see waitForNewEntries).
 * KEYS: the streams, the first served first. ARGV: group, consumer, total, perStream.
 * Returns `{ {stream, entries}... }, { lastDeliveredId... }`.
 */
const TAKE_UP_TO = `
local group, consumer = ARGV[1], ARGV[2]
local left, perStream = tonumber(ARGV[3]), tonumber(ARGV[4])
local share = math.max(1, math.floor(left / #KEYS))
local taken, drained, entriesOf = {}, {}, {}
for pass = 1, 2 do
  for i, key in ipairs(KEYS) do
    if left <= 0 then break end
    taken[i] = taken[i] or 0
    local want = math.min(left, perStream - taken[i])
    if pass == 1 then want = math.min(want, share) end
    if not drained[i] and want > 0 then
      local reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', want, 'STREAMS', key, '>')
      local entries = reply and reply[1][2] or {}
      if #entries < want then drained[i] = true end
      entriesOf[i] = entriesOf[i] or {}
      for _, entry in ipairs(entries) do table.insert(entriesOf[i], entry) end
      taken[i] = taken[i] + #entries
      left = left - #entries
    end
  end
end
local batches = {}
for i, key in ipairs(KEYS) do
  if entriesOf[i] and #entriesOf[i] > 0 then table.insert(batches, {key, entriesOf[i]}) end
end
if #batches > 0 then return {batches, {}} end
local lastIds = {}
for i, key in ipairs(KEYS) do
  for _, info in ipairs(redis.call('XINFO', 'GROUPS', key)) do
    local fields = {}
    for j = 1, #info, 2 do fields[info[j]] = info[j + 1] end
    if fields['name'] == group then lastIds[i] = fields['last-delivered-id'] end
  end
  if not lastIds[i] then return redis.error_reply('NOGROUP no consumer group ' .. group .. ' on ' .. key) end
end
return {{}, lastIds}
`;

interface ScriptedRedis extends Redis {
  streamsTakeUpTo(keyCount: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** What one take got: entries per stream, or (when it got none) where to wait from. */
export type Taken = { batches: StreamBatch[]; waitFrom?: undefined } | { batches: []; waitFrom: string[] };

/** Takes up to `total` new entries of `streams` (in that order of preference) for `consumer`. */
export async function takeUpTo(
  redis: Redis,
  { group, consumer, streams, total, perStream }: { group: string; consumer: string; streams: readonly string[]; total: number; perStream: number },
): Promise<Taken> {
  const scripted = redis as ScriptedRedis;
  // defineCommand runs the script by its SHA (EVALSHA) and loads it again after a Redis restart.
  if (typeof scripted.streamsTakeUpTo !== 'function') redis.defineCommand('streamsTakeUpTo', { lua: TAKE_UP_TO });
  const reply = await scripted.streamsTakeUpTo(streams.length, ...streams, group, consumer, String(total), String(perStream));
  if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) {
    throw new Error(`unexpected take reply: ${JSON.stringify(reply)?.slice(0, 200)}`);
  }
  const batches = parseReadReply(reply[0]);
  if (batches.length > 0) return { batches };
  return { batches: [], waitFrom: (reply[1] as unknown[]).map(String) };
}

/**
 * Blocks until one of `streams` has an entry past the given ids (the group's last-delivered
 * ids), or `blockMs` passed. It reads without a group, so it takes nothing: the entry is
 * still there for whichever replica of the group has room first.
 */
export async function waitForNewEntries(redis: Redis, streams: readonly string[], after: readonly string[], blockMs: number): Promise<void> {
  await redis.call('XREAD', 'COUNT', '1', 'BLOCK', String(blockMs), 'STREAMS', ...streams, ...after);
}
