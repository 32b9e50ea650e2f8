/** An HTTP answer with its body parsed as JSON when it is JSON (the text otherwise). */
export interface JsonResponse {
  status: number;
  // Tests read whatever shape the route answers with; a type per route would add nothing.
  // oxlint-disable-next-line typescript/no-explicit-any
  body: any;
  headers: Headers;
}

/** `fetch`, then the body parsed as JSON when it is JSON. */
export async function fetchJson(url: string, init?: RequestInit): Promise<JsonResponse> {
  const response = await fetch(url, init);
  return { status: response.status, body: parseBody(await response.text()), headers: response.headers };
}

/** A response body: parsed when it is JSON, else the text as it is. */
export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The sum of every sample of `metric` whose labels include `labels`, in the Prometheus text a
 * service serves at `<baseUrl>/metrics`: one sample's value when the labels pick one series,
 * e.g. a histogram's `_count` over all outcomes when they leave `outcome` out; 0 when none.
 */
export async function scrapeMetric(baseUrl: string, metric: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (wanted.every(([key, value]) => line.includes(`${key}="${value}"`))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}
