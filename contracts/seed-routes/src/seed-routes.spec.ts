import { SeedEvents, SeedRpc } from './index.js';

describe('contracts', () => {
  it('prefixes every pattern with the service that answers it', () => {
    for (const rpc of Object.values(SeedRpc)) {
      expect(rpc.pattern.startsWith(`${rpc.service}.`)).toBe(true);
    }
  });

  it('rejects a seed event with unknown fields or a malformed id', () => {
    const ok = { id: '5b1c3b6e-9a52-4b8f-8a8e-4f0c1d2e3f40', sentAt: new Date().toISOString() };
    expect(SeedEvents.ping.payload.safeParse(ok).success).toBe(true);
    expect(SeedEvents.ping.payload.safeParse({ ...ok, extra: 1 }).success).toBe(false);
    expect(SeedEvents.ping.payload.safeParse({ ...ok, id: 'nope' }).success).toBe(false);
  });

  it('keeps contracts immutable', () => {
    expect(Object.isFrozen(SeedRpc.catalogHello)).toBe(true);
  });
});
