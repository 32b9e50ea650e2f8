import type { PlatformCounter } from '@platform/contracts';
import type { Redis } from 'ioredis';
import { ALL_COUNTERS, counterKey, decodeLabels } from './counter-keys.js';

/** One counter's totals: one value per label set seen so far. */
export interface CounterTotals {
  counter: PlatformCounter;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

/** Reads every platform counter's totals in one round trip (pipelined HGETALLs). */
export async function readCounters(redis: Redis, counters: readonly PlatformCounter[] = ALL_COUNTERS): Promise<CounterTotals[]> {
  const pipeline = redis.pipeline();
  for (const counter of counters) pipeline.hgetall(counterKey(counter));
  const replies = (await pipeline.exec()) ?? [];
  return counters.map((counter, i) => {
    const [error, hash] = replies[i] ?? [new Error('no reply'), null];
    if (error) throw error;
    const samples = Object.entries((hash ?? {}) as Record<string, string>).map(([field, value]) => ({
      labels: decodeLabels(field),
      value: Number(value),
    }));
    return { counter, samples };
  });
}
