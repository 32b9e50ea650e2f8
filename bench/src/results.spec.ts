import { Recorder, rotation } from './results.js';

describe('Recorder', () => {
  it('keeps every round and reduces them to a median with their range', () => {
    const recorder = new Recorder();
    for (const value of [30, 10, 20]) recorder.add('streams', 'rps', value, 'req/s');
    expect(recorder.median('streams', 'rps')).toBe(20);
    expect(recorder.figures().streams?.rps).toEqual({ unit: 'req/s', median: 20, min: 10, max: 30, rounds: [30, 10, 20] });
    expect(recorder.median('streams', 'p50')).toBeNaN();
  });
});

describe('rotation', () => {
  it('starts each round with the next variant, so none is always first', () => {
    const variants = ['a', 'b', 'c'];
    expect([0, 1, 2, 3].map((round) => rotation(variants, round).join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
  });
});
