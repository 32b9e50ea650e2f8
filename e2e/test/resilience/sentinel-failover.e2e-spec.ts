import { performance } from 'node:perf_hooks';
import { httpOutcome, LoadRun, SentinelCluster, tally, waitFor } from '@platform/testing';
import { type Platform, startPlatform } from '../platform.js';
import { pidOf, pingsHandled, reportFigure } from './support.js';

const DOWN_AFTER_MS = 1_000;
const EVENT_SUBSCRIBERS = ['catalog', 'accounts', 'notifications'];

/**
 * Redis behind Sentinel on loopback: a primary, a replica, three Sentinels (quorum 2,
 * down-after-milliseconds 1000). Every service is configured with REDIS_SENTINELS only (its
 * REDIS_URL host is unreachable on purpose). The primary is SIGKILLed under load; the
 * Sentinels promote the replica and every service must follow it without a restart.
 */
describe('Redis Sentinel failover under load', () => {
  let cluster: SentinelCluster;
  let platform: Platform;

  beforeAll(async () => {
    cluster = await SentinelCluster.start({ downAfterMs: DOWN_AFTER_MS });
    platform = await startPlatform({
      redis: cluster.initialPrimary,
      env: { REDIS_URL: 'redis://127.0.0.1:1', REDIS_SENTINELS: cluster.sentinelAddresses, REDIS_SENTINEL_NAME: cluster.masterName },
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await cluster?.destroy();
  });

  it('follows the promoted replica: requests, events and readiness recover, nothing restarts', async () => {
    const services = [...platform.services.services.values()];
    const pids = services.map(pidOf);
    const url = platform.gateway.url;
    expect((await httpOutcome(`${url}/test1`)).status).toBe(200);

    const load = LoadRun.start({ concurrency: 4, pauseMs: 10, send: (i) => httpOutcome(`${url}/${i % 2 === 0 ? 'test1' : 'test2'}`, { timeoutMs: 10_000 }) });
    await waitFor('load to flow', () => load.completed >= 100, { timeoutMs: 30_000 });

    const former = cluster.initialPrimary;
    await former.kill();
    const killedAt = performance.now();
    const promoted = await cluster.waitForNewPrimary(former.port, 60_000);
    const promotedMs = performance.now() - killedAt;
    expect(promoted).toBe(cluster.replicas[0]);

    // Recovered: the gateway answers through the new primary, several times in a row.
    let streak = 0;
    await waitFor('requests to succeed through the new primary', async () => {
      streak = (await httpOutcome(`${url}/test1`, { timeoutMs: 5_000 })).status === 200 ? streak + 1 : 0;
      return streak >= 5;
    }, { timeoutMs: 60_000, intervalMs: 50 });
    const requestsMs = performance.now() - killedAt;
    await Promise.all(services.map((service) => service.waitUntil('ready', 60_000)));
    const readyMs = performance.now() - killedAt;
    const calls = await load.stop();

    // During the failover calls fail with a clear 503/504; nothing else.
    const statuses = tally(calls, (call) => call.outcome.status);
    expect(Object.keys(statuses).every((status) => ['200', '202', '503', '504'].includes(status))).toBe(true);

    // Events flow again to every subscriber.
    const before = await Promise.all(EVENT_SUBSCRIBERS.map((name) => pingsHandled(platform.services, name)));
    const published = await httpOutcome(`${url}/test2`);
    expect(published.status).toBe(202);
    for (const [i, name] of EVENT_SUBSCRIBERS.entries()) {
      await waitFor(`${name} to receive an event after the failover`, async () => (await pingsHandled(platform.services, name)) > before[i]!, { timeoutMs: 30_000 });
    }
    expect(services.map(pidOf)).toEqual(pids);
    expect(services.every((service) => !service.process.hasExited)).toBe(true);

    reportFigure('Sentinel failover (primary SIGKILLed, down-after 1000 ms)', `new primary promoted after ${Math.round(promotedMs)} ms; requests through the gateway succeed again after ${Math.round(requestsMs)} ms; every service ready after ${Math.round(readyMs)} ms; statuses during the run ${JSON.stringify(statuses)}`);
  }, 180_000);
});
