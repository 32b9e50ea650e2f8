import type { Redis } from 'ioredis';

/** How many keys match, and what one of them takes in Redis (MEMORY USAGE, bytes; NaN when none). */
export interface KeysHeld {
  keys: number;
  bytesPerKey: number;
}

/**
 * The keys of `redis`'s database matching `match` (a SCAN pattern), e.g. what a server
 * remembers right after a window. SCAN, not KEYS: it never blocks Redis for long, whatever the
 * database holds.
 */
export async function keysHeld(redis: Redis, match: string): Promise<KeysHeld> {
  let keys = 0;
  let sample: string | undefined;
  for await (const batch of redis.scanStream({ match, count: 1_000 }) as AsyncIterable<string[]>) {
    keys += batch.length;
    sample ??= batch[0];
  }
  // The sample may have expired since the scan saw it.
  const bytes = sample === undefined ? null : ((await redis.call('MEMORY', 'USAGE', sample, 'SAMPLES', '0')) as number | null);
  return { keys, bytesPerKey: bytes ?? Number.NaN };
}
