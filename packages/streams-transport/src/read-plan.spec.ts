import { planRead } from './read-plan.js';

describe('planRead', () => {
  const streams = ['a', 'b', 'c'];

  it('blocks on every stream when the free slots cover one entry each, splitting them evenly', () => {
    expect(planRead(4, streams, 16, 0)).toEqual({ kind: 'block', count: 1 });
    expect(planRead(64, streams, 16, 0)).toEqual({ kind: 'block', count: 16 });
    expect(planRead(30, streams, 16, 0)).toEqual({ kind: 'block', count: 10 });
    // One stream: as before, as many as there is room for, up to batchSize.
    expect(planRead(5, ['a'], 16, 7)).toEqual({ kind: 'block', count: 5 });
  });

  it('never asks for more than the free slots, whatever the fullest answer', () => {
    for (let free = 1; free <= 70; free++) {
      const plan = planRead(free, streams, 16, free);
      const most = plan.kind === 'block' ? plan.count * streams.length : plan.total;
      expect(most).toBeLessThanOrEqual(free);
    }
  });

  it('with fewer free slots than streams, takes stream by stream, each stream first in turn', () => {
    expect(planRead(2, streams, 16, 0)).toEqual({ kind: 'take', order: ['a', 'b', 'c'], total: 2, perStream: 16 });
    expect(planRead(2, streams, 16, 1)).toEqual({ kind: 'take', order: ['b', 'c', 'a'], total: 2, perStream: 16 });
    expect(planRead(1, streams, 16, 5).kind === 'take' && planRead(1, streams, 16, 5)).toMatchObject({ order: ['c', 'a', 'b'] });
  });
});
