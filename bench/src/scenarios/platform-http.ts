import { BENCH_ADMIN_TOKEN } from '../stacks.js';

/** A JSON request to a stack's gateway; the body parsed when it is JSON. */
export async function requestJson(url: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const { json, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, headers: response.headers };
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
export async function scrapeSum(baseUrl: string, metric: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (wanted.every(([key, value]) => line.includes(`${key}="${value}"`))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}
