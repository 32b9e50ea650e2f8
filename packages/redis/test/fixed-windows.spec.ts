import { RedisServer } from '@platform/testing';
import type { Redis } from 'ioredis';
import { FixedWindows } from '../src/fixed-windows.js';

describe('FixedWindows: fixed-window limits counted in one script (real Redis)', () => {
  let server: RedisServer;
  let redis: Redis;
  let windows: FixedWindows;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = server.client();
    windows = new FixedWindows(redis);
  });

  afterEach(() => redis.flushall());

  afterAll(async () => {
    redis?.disconnect();
    await server?.destroy();
  });

  const perAddress = { key: 'limit:address', limit: 2, windowMs: 60_000 };
  const platformWide = { key: 'limit:platform', limit: 3, windowMs: 10_000 };

  it('counts up to the limit, then refuses with the time left in the window', async () => {
    expect(await windows.take([perAddress])).toBe(0);
    expect(await windows.take([perAddress])).toBe(0);
    const waitMs = await windows.take([perAddress]);
    expect(waitMs).toBeGreaterThan(59_000);
    expect(waitMs).toBeLessThanOrEqual(60_000);
    expect(await redis.get(perAddress.key)).toBe('2');
  });

  it('charges none of the windows when one refuses, and waits for the longest-blocked one', async () => {
    await redis.set(perAddress.key, '2', 'PX', 30_000);
    await redis.set(platformWide.key, '3', 'PX', 5_000);
    const waitMs = await windows.take([perAddress, platformWide]);
    expect(waitMs).toBeGreaterThan(29_000);
    expect(await redis.mget(perAddress.key, platformWide.key)).toEqual(['2', '3']);

    await redis.del(platformWide.key);
    expect(await windows.take([platformWide, perAddress])).toBeGreaterThan(29_000);
    expect(await redis.exists(platformWide.key)).toBe(0);
  });

  it('starts a window at its first count and ends it after windowMs', async () => {
    const short = { key: 'limit:short', limit: 1, windowMs: 200 };
    expect(await windows.take([short])).toBe(0);
    expect(await redis.pttl(short.key)).toBeGreaterThan(100);
    expect(await windows.take([short])).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await windows.take([short])).toBe(0);
  });

  it('gives a counter left without a TTL one, so a lost PEXPIRE cannot block forever', async () => {
    await redis.set(perAddress.key, '5');
    expect(await windows.take([perAddress])).toBe(perAddress.windowMs);
    expect(await redis.pttl(perAddress.key)).toBeGreaterThan(59_000);
  });

  it('checks without counting', async () => {
    expect(await windows.check([perAddress])).toBe(0);
    expect(await redis.exists(perAddress.key)).toBe(0);
    await windows.take([perAddress]);
    await windows.take([perAddress]);
    expect(await windows.check([perAddress])).toBeGreaterThan(0);
    expect(await redis.get(perAddress.key)).toBe('2');
  });

  it('holds the limit exactly under concurrent takes', async () => {
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => windows.take([platformWide])));
    expect(outcomes.filter((waitMs) => waitMs === 0)).toHaveLength(platformWide.limit);
    expect(await redis.get(platformWide.key)).toBe(String(platformWide.limit));
  });
});
