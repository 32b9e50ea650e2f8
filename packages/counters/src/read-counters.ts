import type { CounterContract } from '@platform/contracts';
import type { Redis } from 'ioredis';
import { COUNTER_INDEX_KEY, counterKey, decodeLabels, parseIndexEntry } from './counter-keys.js';

/** One counter's totals: one value per label set seen so far. */
export interface CounterTotals {
  counter: CounterContract;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

/**
 * Every counter a service declared or counted, from the index (by name). An entry that is not
 * the JSON Counters writes is left out: nobody could say what its counter counts.
 */
export async function readCounterIndex(redis: Redis): Promise<CounterContract[]> {
  const index = await redis.hgetall(COUNTER_INDEX_KEY);
  return Object.entries(index)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([name, entry]) => parseIndexEntry(name, entry) ?? []);
}

/**
 * The totals of `counters`, by default of every counter in the index: one round trip to
 * read the index, one for the totals (pipelined HGETALLs).
 */
export async function readCounters(redis: Redis, counters?: readonly CounterContract[]): Promise<CounterTotals[]> {
  const list = counters ?? (await readCounterIndex(redis));
  if (list.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const counter of list) pipeline.hgetall(counterKey(counter));
  const replies = (await pipeline.exec()) ?? [];
  return list.map((counter, i) => {
    const [error, hash] = replies[i] ?? [new Error('no reply'), null];
    if (error) throw error;
    const samples = Object.entries((hash ?? {}) as Record<string, string>).map(([field, value]) => ({
      labels: decodeLabels(field),
      value: Number(value),
    }));
    return { counter, samples };
  });
}
