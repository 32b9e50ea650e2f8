import { owner, summarize } from './top-functions.js';

function frame(functionName: string, url: string) {
  return { functionName, url, lineNumber: 0 };
}

describe('top-functions', () => {
  it('names the package a frame belongs to', () => {
    expect(owner('file:///work/main/node_modules/ioredis/built/Redis.js')).toBe('ioredis');
    expect(owner('file:///work/main/node_modules/@nestjs/core/router.js')).toBe('@nestjs/core');
    expect(owner('file:///work/main/packages/streams-transport/dist/envelope.js')).toBe('packages/streams-transport');
    expect(owner('node:net')).toBe('node core');
    expect(owner('')).toBe('(native / V8)');
  });

  it('adds up self time per function and per package, idle excluded, and inclusive time along the call tree', () => {
    const summary = summarize({
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
        { id: 2, callFrame: frame('handle', 'file:///x/node_modules/ioredis/a.js'), children: [3] },
        { id: 3, callFrame: frame('parse', 'file:///x/node_modules/ioredis/b.js') },
        { id: 4, callFrame: frame('(idle)', '') },
      ],
      samples: [2, 3, 3, 4],
      timeDeltas: [1_000, 1_000, 1_000, 5_000],
      startTime: 0,
      endTime: 8_000,
    });
    expect(summary.totalMs).toBe(3);
    expect(summary.byOwner).toEqual([{ owner: 'ioredis', selfMs: 3, share: 1 }]);
    expect(summary.byFunction[0]).toMatchObject({ name: 'parse', selfMs: 2 });
    expect(summary.inclusive.find((entry) => entry.name === 'handle')).toMatchObject({ totalMs: 3 });
  });
});
