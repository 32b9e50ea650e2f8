/**
 * How the consume loop reads, given how many handlers it may still start. `XREADGROUP ...
 * COUNT n` applies per stream, so one read over k streams can return up to k x n entries: a
 * read is sized so that even its fullest answer fits in the free slots. Whatever a replica
 * does not read stays in the stream, where another replica of the group takes it.
 */
export type ReadPlan =
  /**
   * There are at least as many free slots as streams: one blocking XREADGROUP over all of them,
   * `count` per stream (free slots split evenly, so a busy stream cannot take them all).
   */
  | { kind: 'block'; count: number }
  /**
   * Fewer free slots than streams: no COUNT is small enough for one read over all of them, so
   * a script takes up to `total` entries stream by stream, in `order` (rotated on every read,
   * so each stream gets the first pick in turn), at most `perStream` from each.
   */
  | { kind: 'take'; order: string[]; total: number; perStream: number };

/**
 * The read for `free` slots (at least 1) over `streams`; `turn` counts the reads so far, and
 * rotates which stream is served first when there are too few slots for all of them.
 */
export function planRead(free: number, streams: readonly string[], batchSize: number, turn: number): ReadPlan {
  if (free >= streams.length) return { kind: 'block', count: Math.min(batchSize, Math.floor(free / streams.length)) };
  const start = turn % streams.length;
  return {
    kind: 'take',
    order: [...streams.slice(start), ...streams.slice(0, start)],
    total: free,
    perStream: batchSize,
  };
}
