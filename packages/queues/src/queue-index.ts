import type { QueueContract } from '@platform/contracts';
import type { Redis } from 'ioredis';

/**
 * The platform's queues as a Redis hash, so a reader (metrics-exporter, an admin tool) finds
 * every queue without a list of them: one field per queue name, its value the JSON
 * `{"jobs": ["send"]}`. A QueueProducer writes its queue's entry before its first job, so a
 * queue that holds jobs is in the index. Persisted: change the layout only with a migration.
 */
export const QUEUE_INDEX_KEY = 'platform:queues:index';

/** What the index keeps of a queue: its job names (the schemas stay in code). */
export interface QueueIndexEntry {
  readonly jobs: readonly string[];
}

/** Writes `contract`'s entry (idempotent: the same contract writes the same value). */
export async function indexQueue(redis: Redis, contract: QueueContract): Promise<void> {
  const entry: QueueIndexEntry = { jobs: Object.keys(contract.jobs) };
  await redis.hset(QUEUE_INDEX_KEY, contract.name, JSON.stringify(entry));
}

/** The names of every indexed queue, sorted. */
export async function indexedQueueNames(redis: Redis): Promise<string[]> {
  return (await redis.hkeys(QUEUE_INDEX_KEY)).sort();
}
