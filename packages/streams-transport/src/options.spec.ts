import { resolveClientOptions, resolveServerOptions, trimArguments } from './options.js';

describe('transport options', () => {
  it('fills in defaults, with a consumer name unique to the process', () => {
    const server = resolveServerOptions({ redis: { url: 'redis://h' }, service: 'catalog' });
    expect(server).toMatchObject({ keyPrefix: 'streams', service: 'catalog', blockMs: 5_000, claimIdleMs: 5_000, eventsFrom: 'new' });
    expect(server.consumer).toMatch(new RegExp(`-${process.pid}$`));
    expect(resolveClientOptions({ redis: { url: 'redis://h' } })).toMatchObject({ name: 'client', requestTimeoutMs: 5_000, claimIdleMs: 5_000, trim: { maxLength: 10_000 } });
  });

  it('lists every invalid option at once', () => {
    expect(() => resolveServerOptions({ redis: { url: 'redis://h' }, service: 'has space', blockMs: -1, claimIdleMs: 1.5 })).toThrow(
      /claimIdleMs: .*; service: .*; blockMs: /,
    );
    expect(() => resolveClientOptions({ redis: {} as never, trim: { maxLength: 1, maxAgeMs: 1 } as never })).toThrow(/redis: .*trim/);
  });

  it('trims by length or by age', () => {
    expect(trimArguments({ maxLength: 500 })).toEqual(['MAXLEN', '~', '500']);
    expect(trimArguments({ maxAgeMs: 60_000 }, 1_000_000)).toEqual(['MINID', '~', '940000-0']);
  });
});
