import { fetchJson, type JsonResponse, scrapeMetric } from '@platform/testing';
import { BENCH_ADMIN_TOKEN } from '../stacks.js';

/** A JSON request to a stack's gateway; the body parsed when it is JSON. */
export function requestJson(url: string, init: RequestInit & { json?: unknown } = {}): Promise<JsonResponse> {
  const { json, ...rest } = init;
  return fetchJson(url, {
    ...rest,
    ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } }),
  });
}

export const adminHeaders = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };

/** Runs `work` over `items` with at most `concurrency` at once. */
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

/** The sum of a Prometheus counter's samples whose labels include `labels`. */
export const scrapeSum = scrapeMetric;
