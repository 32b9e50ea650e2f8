import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { PLATFORM_CONFIG_DEFAULTS, type PlatformConfig } from '@platform/contracts';
import { MetricsModule, MetricsService } from '@platform/metrics';
import { RedisModule } from '@platform/redis';
import { RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { CONFIG_CHANNEL, CONFIG_KEY, InvalidConfigError, LiveConfig, LiveConfigModule, LiveConfigStore } from '../src/index.js';

const CHECK_INTERVAL_MS = 400;

/** One "service": its own Nest context, REDIS connection and subscriber. */
async function startService(redis: RedisServer, name: string, versionCheckIntervalMs: number): Promise<INestApplicationContext> {
  @Module({
    imports: [
      RedisModule.forRoot({ settings: { url: redis.url }, clientName: name }),
      MetricsModule.forRoot({ service: name }),
      LiveConfigModule.forRoot({ service: name, redis: { url: redis.url }, versionCheckIntervalMs }),
    ],
  })
  class ServiceModule {}
  const app = await NestFactory.createApplicationContext(ServiceModule, { logger: false });
  await app.init();
  return app;
}

describe('live config against a real Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  const apps: INestApplicationContext[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await client.flushall();
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.destroy();
  });

  async function service(name: string, versionCheckIntervalMs = CHECK_INTERVAL_MS) {
    const app = await startService(redis, name, versionCheckIntervalMs);
    apps.push(app);
    return { live: app.get(LiveConfig), store: app.get(LiveConfigStore), metrics: app.get(MetricsService) };
  }

  it('starts with the defaults, version 0, when no document exists', async () => {
    const { live, store } = await service('a');
    expect(live.version).toBe(0);
    expect(live.snapshot()).toEqual(PLATFORM_CONFIG_DEFAULTS);
    expect(live.get('auth.loginMaxAttempts')).toBe(5);
    expect(await store.read()).toEqual({ version: 0, values: PLATFORM_CONFIG_DEFAULTS });
    expect(await client.exists(CONFIG_KEY)).toBe(0);
  });

  it('loads the stored document at start', async () => {
    const { store } = await service('writer');
    await store.update({ 'auth.loginMaxAttempts': 9 });
    const { live } = await service('late');
    expect(live.version).toBe(1);
    expect(live.get('auth.loginMaxAttempts')).toBe(9);
  });

  it('applies a write in every running service well within a second, through the change signal', async () => {
    // No periodic check within the test: only the signal can apply the write.
    const a = await service('a', 60_000);
    const b = await service('b', 60_000);
    const changes: Array<[number, number]> = [];
    b.live.onChange((next, previous) => changes.push([previous['auth.loginWindowSeconds'], next['auth.loginWindowSeconds']]));

    const written = Date.now();
    const document = await a.store.update({ 'auth.loginWindowSeconds': 30 });
    expect(document.version).toBe(1);
    expect(document.values).toEqual({ ...PLATFORM_CONFIG_DEFAULTS, 'auth.loginWindowSeconds': 30 });
    await waitFor('both services to apply version 1', () => a.live.version === 1 && b.live.version === 1, { intervalMs: 5 });
    expect(Date.now() - written).toBeLessThan(1_000);
    expect(b.live.get('auth.loginWindowSeconds')).toBe(30);
    expect(changes).toEqual([[60, 30]]);
  });

  it('keeps the other keys on an update, and versions every write, shown in live_config_version', async () => {
    const { store, live, metrics } = await service('a');
    const exported = async () => (await metrics.registry.getSingleMetricAsString('live_config_version')).split('\n').at(-1);
    expect(await exported()).toBe('live_config_version{service="a"} 0');
    await store.update({ 'auth.loginMaxAttempts': 3 });
    const second = await store.update({ 'catalog.cacheTtlSeconds': 5 });
    expect(second.version).toBe(2);
    expect(second.values).toMatchObject({ 'auth.loginMaxAttempts': 3, 'catalog.cacheTtlSeconds': 5 });
    await waitFor('version 2', () => live.version === 2);
    expect(await exported()).toBe('live_config_version{service="a"} 2');
    const replaced = await store.replace({ 'auth.resetTokenTtlSeconds': 2 });
    expect(replaced.values).toEqual({ ...PLATFORM_CONFIG_DEFAULTS, 'auth.resetTokenTtlSeconds': 2 });
  });

  it('refuses an invalid change as a whole and writes nothing', async () => {
    const { store, live } = await service('a');
    await store.update({ 'auth.loginMaxAttempts': 4 });
    const before = await client.hgetall(CONFIG_KEY);
    const published: string[] = [];
    const listener = client.duplicate();
    await listener.subscribe(CONFIG_CHANNEL);
    listener.on('message', (_channel, message) => published.push(message));

    for (const bad of [
      { 'auth.loginMaxAttempts': 0 },
      { 'auth.loginMaxAttempts': 2, 'auth.loginWindowSeconds': 'sixty' },
      { 'auth.loginMaxAttempts': 2, 'no.such.key': 1 },
      { 'auth.loginMaxAttempts': 2.5 },
    ]) {
      await expect(store.update(bad)).rejects.toBeInstanceOf(InvalidConfigError);
    }
    await expect(store.update({ 'auth.loginMaxAttempts': 2, 'no.such.key': 1 })).rejects.toThrow(/Unrecognized key: "no.such.key"/);
    await expect(store.replace(['not', 'an', 'object'])).rejects.toThrow(/expected a JSON object/);
    expect(await client.hgetall(CONFIG_KEY)).toEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(published).toEqual([]);
    expect(live.get('auth.loginMaxAttempts')).toBe(4);
    listener.disconnect();
  });

  it('never loses a write when writers race: every update lands with its own version', async () => {
    const { store } = await service('a');
    const keys = ['auth.loginMaxAttempts', 'auth.loginWindowSeconds', 'auth.resetTokenTtlSeconds', 'catalog.cacheTtlSeconds'] as const;
    await Promise.all(keys.map((key, i) => store.update({ [key]: 40 + i })));
    const final = await store.read();
    expect(final.version).toBe(keys.length);
    keys.forEach((key, i) => expect(final.values[key]).toBe(40 + i));
  });

  it('repairs a missed change signal with the periodic version check', async () => {
    const { live } = await service('a');
    // A write that publishes nothing (as if the signal was lost).
    const document: PlatformConfig = { ...PLATFORM_CONFIG_DEFAULTS, 'auth.loginMaxAttempts': 7 };
    await client.hset(CONFIG_KEY, 'version', 1, 'document', JSON.stringify(document));
    const started = Date.now();
    await waitFor('the version check to apply version 1', () => live.version === 1, { timeoutMs: 5_000, intervalMs: 20 });
    expect(Date.now() - started).toBeLessThan(CHECK_INTERVAL_MS + 500);
    expect(live.get('auth.loginMaxAttempts')).toBe(7);
  });

  it('keeps its values when the stored document is unusable, and ignores keys it does not know', async () => {
    const { live, store } = await service('a');
    await store.update({ 'auth.loginMaxAttempts': 6 });
    await waitFor('version 1', () => live.version === 1);
    await client.hset(CONFIG_KEY, 'version', 2, 'document', JSON.stringify({ 'auth.loginMaxAttempts': -1 }));
    await client.publish(CONFIG_CHANNEL, '2');
    await new Promise((resolve) => setTimeout(resolve, CHECK_INTERVAL_MS * 2));
    expect(live.version).toBe(1);
    expect(live.get('auth.loginMaxAttempts')).toBe(6);

    // A key from a newer build (rolling update) does not make the document unusable.
    await client.hset(CONFIG_KEY, 'version', 3, 'document', JSON.stringify({ 'auth.loginMaxAttempts': 8, 'future.key': true }));
    await waitFor('version 3', () => live.version === 3, { timeoutMs: 3_000 });
    expect(live.get('auth.loginMaxAttempts')).toBe(8);
    // A write over an unusable document starts from the defaults.
    await client.hset(CONFIG_KEY, 'version', 4, 'document', '{not json');
    expect((await store.update({ 'catalog.cacheTtlSeconds': 9 })).values).toEqual({ ...PLATFORM_CONFIG_DEFAULTS, 'catalog.cacheTtlSeconds': 9 });
  });

  it('catches up after Redis restarts while it runs', async () => {
    const { live } = await service('a');
    await redis.kill();
    await redis.start();
    // Written while the subscriber may still be reconnecting: the reconnect check or the
    // periodic check applies it.
    const writer = redis.client();
    await writer.hset(CONFIG_KEY, 'version', 5, 'document', JSON.stringify({ 'auth.loginMaxAttempts': 11 }));
    await waitFor('version 5 after the restart', () => live.version === 5, { timeoutMs: 8_000 });
    expect(live.get('auth.loginMaxAttempts')).toBe(11);
    writer.disconnect();
    client.disconnect();
    client = redis.client();
  });
});
