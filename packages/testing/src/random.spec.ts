import { SeededRandom } from './random.js';

function draw(seed: number): number[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: 20 }, () => random.int(0, 1_000_000));
}

describe('SeededRandom', () => {
  it('repeats the same sequence for the same seed, and another for another seed', () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('stays within the bounds asked for and reaches both ends', () => {
    const random = new SeededRandom(7);
    const seen = new Set(Array.from({ length: 500 }, () => random.int(-2, 2)));
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    expect(random.string(12, 'ab')).toMatch(/^[ab]{12}$/);
    expect(() => random.pick([])).toThrow('empty');
  });
});
