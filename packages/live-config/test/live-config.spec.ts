import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { type ConfigSection, defineConfigSection } from '@platform/contracts';
import { MetricsModule, MetricsService } from '@platform/metrics';
import { RedisModule } from '@platform/redis';
import { RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  CONFIG_CHANNEL,
  CONFIG_KEY,
  configGeneration,
  configSectionKey,
  InvalidConfigError,
  LiveConfig,
  LiveConfigModule,
  LiveConfigStore,
} from '../src/index.js';

const CHECK_INTERVAL_MS = 400;

/** Sections as services declare them, next to the code that reads them. */
const Login = defineConfigSection('login', {
  maxAttempts: z.number().int().min(1).max(1_000).default(5),
  windowSeconds: z.number().int().min(1).max(86_400).default(60),
  resetTokenTtlSeconds: z.number().int().min(1).max(86_400).default(900),
});
const Cache = defineConfigSection('cache', { ttlSeconds: z.number().int().min(1).max(86_400).default(60) });
const DEFAULTS = { ...Login.defaults, ...Cache.defaults };

/** One "service": its own Nest context, REDIS connection and subscriber, reading `sections`. */
async function startService(
  redis: RedisServer,
  name: string,
  versionCheckIntervalMs: number,
  sections: ConfigSection[],
  sectionTtlSeconds?: number,
): Promise<INestApplicationContext> {
  @Module({ imports: [LiveConfigModule.forFeature(sections)] })
  class FeatureModule {}
  @Module({
    imports: [
      RedisModule.forRoot({ settings: { url: redis.url }, clientName: name }),
      MetricsModule.forRoot({ service: name }),
      LiveConfigModule.forRoot({ service: name, redis: { url: redis.url }, versionCheckIntervalMs, sectionTtlSeconds }),
      FeatureModule,
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

  /** Resolves once `count` subscribers listen for change signals (so only a signal or a check can apply a write). */
  async function subscribed(count: number): Promise<void> {
    await waitFor(`${count} subscribers`, async () => (await client.pubsub('NUMSUB', CONFIG_CHANNEL))[1] === count);
  }

  async function service(name: string, versionCheckIntervalMs = CHECK_INTERVAL_MS, sections: ConfigSection[] = [Login, Cache], sectionTtlSeconds?: number) {
    const app = await startService(redis, name, versionCheckIntervalMs, sections, sectionTtlSeconds);
    apps.push(app);
    return { live: app.get(LiveConfig), store: app.get(LiveConfigStore), metrics: app.get(MetricsService) };
  }

  it('starts with the defaults, version 0, when no document exists', async () => {
    const { live, store } = await service('a');
    expect(live.version).toBe(0);
    expect(live.generation).toBe(configGeneration(null));
    expect(live.snapshot()).toEqual(DEFAULTS);
    expect(live.get(Login, 'maxAttempts')).toBe(5);
    expect(await store.read()).toEqual({ version: 0, generation: configGeneration(null), values: DEFAULTS });
    expect(await client.exists(CONFIG_KEY)).toBe(0);
  });

  it('loads the stored document at start', async () => {
    const { store } = await service('writer');
    await store.update({ 'login.maxAttempts': 9 });
    const { live } = await service('late');
    expect(live.version).toBe(1);
    expect(live.get(Login, 'maxAttempts')).toBe(9);
  });

  it('applies a write in every running service well within a second, through the change signal', async () => {
    // No periodic check within the test: only the signal can apply the write.
    const a = await service('a', 60_000);
    const b = await service('b', 60_000);
    await subscribed(2);
    const changes: Array<[number, number]> = [];
    b.live.onChange((next, previous) => changes.push([previous['login.windowSeconds'] as number, next['login.windowSeconds'] as number]));

    const written = Date.now();
    const document = await a.store.update({ 'login.windowSeconds': 30 });
    expect(document.version).toBe(1);
    expect(document.values).toEqual({ ...DEFAULTS, 'login.windowSeconds': 30 });
    await waitFor('both services to apply version 1', () => a.live.version === 1 && b.live.version === 1, { intervalMs: 5 });
    expect(Date.now() - written).toBeLessThan(1_000);
    expect(b.live.get(Login, 'windowSeconds')).toBe(30);
    expect(changes).toEqual([[60, 30]]);
  });

  it('keeps the other keys on an update, and versions every write, shown in live_config_version', async () => {
    const { store, live, metrics } = await service('a');
    const exported = async () => (await metrics.registry.getSingleMetricAsString('live_config_version')).split('\n').at(-1);
    expect(await exported()).toBe('live_config_version{service="a"} 0');
    await store.update({ 'login.maxAttempts': 3 });
    const second = await store.update({ 'cache.ttlSeconds': 5 });
    expect(second.version).toBe(2);
    expect(second.values).toMatchObject({ 'login.maxAttempts': 3, 'cache.ttlSeconds': 5 });
    await waitFor('version 2', () => live.version === 2);
    expect(await exported()).toBe('live_config_version{service="a"} 2');
    const replaced = await store.replace({ 'login.resetTokenTtlSeconds': 2 });
    expect(replaced.values).toEqual({ ...DEFAULTS, 'login.resetTokenTtlSeconds': 2 });
  });

  it('refuses an invalid change as a whole and writes nothing', async () => {
    const { store, live } = await service('a');
    await store.update({ 'login.maxAttempts': 4 });
    const before = await client.hgetall(CONFIG_KEY);
    const published: string[] = [];
    const listener = client.duplicate();
    await listener.subscribe(CONFIG_CHANNEL);
    listener.on('message', (_channel, message) => published.push(message));

    for (const bad of [
      { 'login.maxAttempts': 0 },
      { 'login.maxAttempts': 2, 'login.windowSeconds': 'sixty' },
      { 'login.maxAttempts': 2, 'no.such.key': 1 },
      { 'login.maxAttempts': 2.5 },
    ]) {
      await expect(store.update(bad)).rejects.toBeInstanceOf(InvalidConfigError);
    }
    await expect(store.update({ 'login.maxAttempts': 2, 'no.such.key': 1 })).rejects.toThrow(/Unrecognized key: "no.such.key"/);
    await expect(store.replace(['not', 'an', 'object'])).rejects.toThrow(/expected a JSON object/);
    expect(await client.hgetall(CONFIG_KEY)).toEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(published).toEqual([]);
    expect(live.get(Login, 'maxAttempts')).toBe(4);
    listener.disconnect();
  });

  it('never loses a write when writers race: every update lands with its own version', async () => {
    const { store } = await service('a');
    const keys = ['login.maxAttempts', 'login.windowSeconds', 'login.resetTokenTtlSeconds', 'cache.ttlSeconds'] as const;
    await Promise.all(keys.map((key, i) => store.update({ [key]: 40 + i })));
    const final = await store.read();
    expect(final.version).toBe(keys.length);
    keys.forEach((key, i) => expect(final.values[key]).toBe(40 + i));
  });

  it('applies new content after Redis lost its last write, even under a version number the replicas already saw', async () => {
    // No periodic check within the test: a failover publishes nothing, so the replicas still
    // run the lost write when the next one comes, as they would if it came within 2 s.
    const a = await service('a', 60_000);
    const b = await service('b', 60_000);
    await subscribed(2);
    await a.store.update({ 'login.maxAttempts': 3 });
    const beforeTheLoss = await client.hgetall(CONFIG_KEY);
    const lost = await a.store.update({ 'login.maxAttempts': 4 });
    await waitFor('both to apply version 2', () => [a, b].every(({ live }) => live.generation === lost.generation));

    // A failover to a replica that missed the last write: Redis is back at version 1.
    await client.hset(CONFIG_KEY, beforeTheLoss);
    const next = await a.store.update({ 'login.windowSeconds': 30 });
    // The version number comes back, the content is new: every replica applies it, as it is in Redis.
    expect(next.version).toBe(lost.version);
    expect(next.generation).not.toBe(lost.generation);
    expect(next.values).toMatchObject({ 'login.maxAttempts': 3, 'login.windowSeconds': 30 });
    await waitFor('both to apply the new content', () => [a, b].every(({ live }) => live.generation === next.generation));
    for (const { live } of [a, b]) expect(live.snapshot()).toEqual(next.values);
    // Each exports the generation it runs, and only that one: the same on both.
    const exported = await Promise.all([a, b].map(async ({ metrics }) => (await metrics.registry.getSingleMetricAsString('live_config_generation_info')).split('\n').filter((line) => !line.startsWith('#'))));
    expect(exported).toEqual([
      [`live_config_generation_info{generation="${next.generation}",service="a"} 1`],
      [`live_config_generation_info{generation="${next.generation}",service="b"} 1`],
    ]);
  });

  it('refuses to write over content that changed under the version it read, and writes again from the new content', async () => {
    // No periodic check: nothing but this write reads the document meanwhile.
    const { store, live } = await service('a', 60_000);
    const first = await store.update({ 'login.maxAttempts': 3 });
    await waitFor('the first write to be applied', () => live.generation === first.generation);
    const readStored = store.readStored.bind(store);
    let interfered = false;
    // Between this write's read and its compare-and-set: Redis loses version 1 and another
    // writer's change becomes version 1.
    store.readStored = async () => {
      const stored = await readStored();
      if (!interfered) {
        interfered = true;
        await client.hset(CONFIG_KEY, 'version', 1, 'document', JSON.stringify({ ...DEFAULTS, 'cache.ttlSeconds': 7 }));
      }
      return stored;
    };
    const written = await store.update({ 'login.windowSeconds': 30 });
    // Based on the other writer's content, not on the content it first read.
    expect(written.version).toBe(2);
    expect(written.values).toMatchObject({ 'cache.ttlSeconds': 7, 'login.windowSeconds': 30, 'login.maxAttempts': 5 });
  });

  it('shows when it applied the generation it runs', async () => {
    const { store, live, metrics } = await service('a');
    const applied = async () => Number((await metrics.registry.getSingleMetricAsString('live_config_applied_timestamp_seconds')).split(' ').at(-1));
    const before = Date.now() / 1_000;
    const written = await store.update({ 'cache.ttlSeconds': 5 });
    await waitFor('the write to be applied', () => live.generation === written.generation);
    expect(await applied()).toBeGreaterThanOrEqual(Math.floor(before));
    expect(await applied()).toBeLessThanOrEqual(Date.now() / 1_000);
  });

  it('repairs a missed change signal with the periodic version check', async () => {
    const { live } = await service('a');
    await subscribed(1);
    // A write that publishes nothing (as if the signal was lost).
    const document = { ...DEFAULTS, 'login.maxAttempts': 7 };
    await client.hset(CONFIG_KEY, 'version', 1, 'document', JSON.stringify(document));
    const started = Date.now();
    await waitFor('the version check to apply version 1', () => live.version === 1, { timeoutMs: 5_000, intervalMs: 20 });
    expect(Date.now() - started).toBeLessThan(CHECK_INTERVAL_MS + 500);
    expect(live.get(Login, 'maxAttempts')).toBe(7);
  });

  it('keeps its values when the stored document is unusable, and ignores keys it does not know', async () => {
    const { live, store } = await service('a');
    await store.update({ 'login.maxAttempts': 6 });
    await waitFor('version 1', () => live.version === 1);
    await client.hset(CONFIG_KEY, 'version', 2, 'document', JSON.stringify({ 'login.maxAttempts': -1 }));
    await client.publish(CONFIG_CHANNEL, '2');
    await new Promise((resolve) => setTimeout(resolve, CHECK_INTERVAL_MS * 2));
    expect(live.version).toBe(1);
    expect(live.get(Login, 'maxAttempts')).toBe(6);

    // A key from a newer build (rolling update) does not make the document unusable.
    await client.hset(CONFIG_KEY, 'version', 3, 'document', JSON.stringify({ 'login.maxAttempts': 8, 'future.key': true }));
    await waitFor('version 3', () => live.version === 3, { timeoutMs: 3_000 });
    expect(live.get(Login, 'maxAttempts')).toBe(8);
    // A write over an unusable document starts from the defaults.
    await client.hset(CONFIG_KEY, 'version', 4, 'document', '{not json');
    expect((await store.update({ 'cache.ttlSeconds': 9 })).values).toEqual({ ...DEFAULTS, 'cache.ttlSeconds': 9 });
  });

  it('registers each service\'s sections in Redis, and validates a write against every registered one', async () => {
    const logins = await service('accounts-like', CHECK_INTERVAL_MS, [Login]);
    const caches = await service('gateway-like', CHECK_INTERVAL_MS, [Cache]);
    const registered = JSON.parse((await client.get(configSectionKey('login')))!) as { service: string; schema: { properties: Record<string, unknown> } };
    expect(registered.service).toBe('accounts-like');
    expect(registered.schema.properties['login.maxAttempts']).toEqual({ type: 'integer', minimum: 1, maximum: 1_000, default: 5 });

    // Either store validates against both sections: neither service imports the other's.
    expect((await caches.store.update({ 'login.maxAttempts': 3 })).values).toEqual({ ...DEFAULTS, 'login.maxAttempts': 3 });
    await expect(logins.store.update({ 'cache.ttlSeconds': 0 })).rejects.toThrow('cache.ttlSeconds: Too small: expected number to be >=1');
    await expect(logins.store.update({ 'cache.typo': 1 })).rejects.toThrow('Unrecognized key: "cache.typo"');
    await waitFor('both to apply version 1', () => logins.live.version === 1 && caches.live.version === 1);
    // Each service holds only what it reads, and cannot read what it did not register.
    expect(logins.live.snapshot()).toEqual({ ...Login.defaults, 'login.maxAttempts': 3 });
    expect(caches.live.snapshot()).toEqual(Cache.defaults);
    expect(() => caches.live.get(Login, 'maxAttempts')).toThrow('configuration section login is read but not registered by this service');

    // A registration that is not a section's JSON Schema is ignored, not fatal to the others.
    await client.set(configSectionKey('broken'), JSON.stringify({ service: 'x', schema: { properties: { 'elsewhere.key': { type: 'integer' } } } }));
    await client.sadd('platform:config:sections', 'broken', 'expired');
    expect((await logins.store.update({ 'cache.ttlSeconds': 5 })).version).toBe(2);
    await expect(logins.store.update({ 'elsewhere.key': 1 })).rejects.toThrow('Unrecognized key: "elsewhere.key"');
  });

  it('refuses the keys of a section once no running service registers it, and keeps its stored values', async () => {
    const a = await service('short-lived', CHECK_INTERVAL_MS, [Cache], 1);
    const b = await service('stays', CHECK_INTERVAL_MS, [Login]);
    await b.store.update({ 'cache.ttlSeconds': 7 });
    await a.live.onApplicationShutdown();
    await apps.splice(apps.indexOf(apps.find((app) => app.get(LiveConfig) === a.live)!), 1)[0]!.close();
    await waitFor('the cache section to expire', async () => (await client.exists(configSectionKey('cache'))) === 0, { timeoutMs: 3_000 });

    await expect(b.store.update({ 'cache.ttlSeconds': 8 })).rejects.toThrow('Unrecognized key: "cache.ttlSeconds"');
    // Another change keeps the stored value of the stopped service's section, and shows it.
    const written = await b.store.update({ 'login.windowSeconds': 30 });
    expect(written.values).toEqual({ ...Login.defaults, 'login.windowSeconds': 30, 'cache.ttlSeconds': 7 });
    expect((await b.store.read()).values).toEqual(written.values);
    // When a service reading it comes back, its section is registered again, with the stored value.
    const back = await service('back', CHECK_INTERVAL_MS, [Cache]);
    expect(back.live.get(Cache, 'ttlSeconds')).toBe(7);
    expect((await b.store.update({ 'cache.ttlSeconds': 8 })).values['cache.ttlSeconds']).toBe(8);
  });

  it('catches up after Redis restarts while it runs', async () => {
    const { live } = await service('a');
    await redis.kill();
    await redis.start();
    // Written while the subscriber may still be reconnecting: the reconnect check or the
    // periodic check applies it.
    const writer = redis.client();
    await writer.hset(CONFIG_KEY, 'version', 5, 'document', JSON.stringify({ 'login.maxAttempts': 11 }));
    await waitFor('version 5 after the restart', () => live.version === 5, { timeoutMs: 8_000 });
    expect(live.get(Login, 'maxAttempts')).toBe(11);
    writer.disconnect();
    // The suite's client reconnects by itself. Disconnecting it while it waits to retry would
    // end its socket that is already gone, and ioredis' 2 s fallback timer for that end kept
    // jest from exiting after the run.
    await waitFor('the test client to reconnect', () => client.status === 'ready');
  });
});
