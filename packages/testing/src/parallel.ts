/** Runs `work` on every item with at most `concurrency` at once; results in the items' order. */
export async function inParallel<I, O>(items: readonly I[], concurrency: number, work: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const results: O[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}
