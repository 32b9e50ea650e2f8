import { everyRequestOnce, handledHistogram, median, percentile, ratio, summarizeLatencies } from './stats.js';

describe('stats', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('takes the median of odd and even counts without reordering the input', () => {
    const input = [5, 1, 3];
    expect(median(input)).toBe(3);
    expect(input).toEqual([5, 1, 3]);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('summarizes latencies numerically, not as strings', () => {
    const summary = summarizeLatencies([10, 9, 100, 2, 1]);
    expect(summary).toMatchObject({ count: 5, p50: 9, max: 100 });
    expect(summary.mean).toBeCloseTo(24.4);
  });

  it('refuses a ratio it cannot compute', () => {
    expect(ratio(6, 3)).toBe(2);
    expect(ratio(6, 0)).toBeNaN();
    expect(ratio(undefined, 3)).toBeNaN();
  });

  it('counts how many requests were handled how many times', () => {
    expect(handledHistogram([1, 1, 3, 1])).toEqual({ 1: 3, 3: 1 });
  });

  it('says every request ran once only when none ran twice or never', () => {
    expect(everyRequestOnce(handledHistogram([1, 1, 1]))).toBe(true);
    expect(everyRequestOnce(handledHistogram([3, 3]))).toBe(false);
    expect(everyRequestOnce(handledHistogram([1, 0, 1]))).toBe(false);
    expect(everyRequestOnce(handledHistogram([1, 2]))).toBe(false);
    expect(everyRequestOnce(handledHistogram([]))).toBe(false);
  });
});
