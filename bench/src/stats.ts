/** The value below which `p` percent of `sorted` lies (nearest rank); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The median of `values` (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Latency figures of one measurement, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** p50/p99/mean/max of latency samples (ms). */
export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const sample of sorted) sum += sample;
  const values = Array.from(sorted);
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    mean: values.length > 0 ? sum / values.length : Number.NaN,
    max: values.length > 0 ? values.at(-1)! : Number.NaN,
  };
}

/** `a / b`, or NaN when either side is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return a / b;
}

/** How many times each request was handled, as `{times: requests}` (e.g. `{1: 5000}` or `{3: 5000}`). */
export function handledHistogram(perRequest: readonly number[]): Record<string, number> {
  const histogram: Record<string, number> = {};
  for (const times of perRequest) histogram[String(times)] = (histogram[String(times)] ?? 0) + 1;
  return histogram;
}

/** Whether a handledHistogram says every request ran exactly once (and there were requests). */
export function everyRequestOnce(histogram: Readonly<Record<string, number>>): boolean {
  const counts = Object.keys(histogram);
  return counts.length === 1 && counts[0] === '1';
}
