import { httpOutcome, LoadRun, RedisMonitor, type ServiceProcess, ServiceProcess as Service, tally, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { type Platform, startPlatform } from '../platform.js';
import { CHANNEL_GARBAGE, fieldsOf, keysOfType, REPLY_GARBAGE, streamGarbage } from './garbage.js';
import { answeredBy, freezeHoldingWork, handledRequests, pendingOf, pidOf, pingsHandled, reportFigure } from './support.js';

const REQUESTS = 1_000;
const CATALOG_REPLICAS = ['catalog', 'catalog-2', 'catalog-3'];
const EVENT_SUBSCRIBERS = ['catalog', 'accounts', 'notifications'];

/**
 * Three replicas of catalog behind one gateway, on each transport.
 *
 * Load balancing: 1000 `GET /test1` (each a `catalog.hello` request). Every request is
 * answered (1000 x 200). Each replica counts what it handled in
 * `rpc_server_duration_seconds_count`; the sum over the replicas is how many handlings took
 * place. Every answered request was handled at least once, so a sum of exactly 1000 means
 * each was handled exactly once. On Nest's Redis transport the sum is 3000: it is pub/sub,
 * every replica subscribed to the pattern's channel receives every request and runs the
 * handler; the caller keeps the first reply and drops the others, so handlers with side
 * effects (stock decrements, emails) would run three times. The Streams transport reads each
 * request stream with one consumer group per service, in which Redis hands each entry to a
 * single consumer.
 *
 * Garbage: written straight into Redis where the running services read: every request and
 * event stream of the Streams transport, every reply inbox (found at run time, so streams
 * added later are covered) and every pub/sub channel someone subscribes to (PUBSUB CHANNELS:
 * Nest's Redis transport on `redis`, the live-config signal on both). The services log and
 * set aside what they cannot handle and keep serving, with the same processes.
 *
 * SIGKILL (Streams): one replica is killed under load at a moment when it holds requests: it
 * is frozen first (SIGSTOP), so requests Redis already handed to it stay pending in its name.
 * Every request must still get a definite answer:
 * - with a caller deadline (15 s) well past the transport's claim delay (5 s), the other
 *   replicas take the dead one's pending requests over (XAUTOCLAIM) and answer them: all 200;
 * - with a shorter deadline (1.5 s), the callers of those requests get a 504 naming the
 *   service, the pattern and the deadline, and the survivors drop the expired entries.
 */
describe.each([
  { transport: 'redis-streams', handlingsPerRequest: 1 },
  { transport: 'redis', handlingsPerRequest: 3 },
])('3 catalog replicas behind the gateway on $transport', ({ transport, handlingsPerRequest }) => {
  let platform: Platform;
  let redis: Redis;
  let shortDeadlineGateway: ServiceProcess | undefined;

  beforeAll(async () => {
    platform = await startPlatform({ env: { RPC_TRANSPORT: transport }, replicas: { catalog: 3 }, gatewayEnv: { RPC_TIMEOUT_MS: '15000' } });
    redis = platform.redis.client();
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await shortDeadlineGateway?.stop();
    await platform?.stop();
  });

  it(`answers each of ${REQUESTS} requests, handling each ${handlingsPerRequest === 1 ? 'exactly once' : 'on every replica'}`, async () => {
    const replicas = CATALOG_REPLICAS.map((name) => platform.services.get(name));
    const before = await Promise.all(replicas.map((replica) => handledRequests(replica, 'catalog.hello')));

    const calls = await LoadRun.start({ concurrency: 16, total: REQUESTS, send: () => httpOutcome(`${platform.gateway.url}/test1`) }).finished();
    expect(tally(calls, (call) => call.outcome.status)).toEqual({ 200: REQUESTS });

    // Handlings are counted when the handler completes; the losers of the race on pub/sub may
    // still be finishing, so wait for the sum rather than read it once.
    const handled = async () => (await Promise.all(replicas.map((replica) => handledRequests(replica, 'catalog.hello')))).map((n, i) => n - before[i]!);
    const expected = REQUESTS * handlingsPerRequest;
    let perReplica = await handled();
    for (let waited = 0; perReplica.reduce((a, b) => a + b, 0) < expected && waited < 15_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      perReplica = await handled();
    }
    // Nothing more arrives later (a late duplicate would show here).
    await new Promise((resolve) => setTimeout(resolve, 500));
    perReplica = await handled();
    reportFigure(`${transport}: handlings of ${REQUESTS} requests per catalog replica`, perReplica.join(' + '));
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(expected);

    // Who answered: each reply names the replica (`host:pid`).
    const repliesByPid = tally(calls, (call) => answeredBy(call.outcome.body));
    const pids = replicas.map(pidOf);
    expect(Object.keys(repliesByPid).map(Number).every((pid) => pids.includes(pid))).toBe(true);
    if (handlingsPerRequest === 1) {
      // Load-balanced: every replica took a share, and answered exactly what it handled.
      expect(perReplica.every((n) => n > 0)).toBe(true);
      expect(pids.map((pid) => repliesByPid[pid] ?? 0)).toEqual(perReplica);
    } else {
      // Fanned out: every replica handled every request.
      expect(perReplica).toEqual([REQUESTS, REQUESTS, REQUESTS]);
    }
  }, 120_000);

  it('sets the garbage aside and keeps serving', async () => {
    const services = [...platform.services.services.values()];
    const pids = services.map(pidOf);
    // Every stream and group exists once each service listens; make one request and one
    // event flow so the reply paths exist too. A reply list exists only while replies wait,
    // as its client pops them at once: the lists are found by their readers' BLMPOPs.
    const replyLists = new Set<string>();
    const monitor = await RedisMonitor.start(platform.redis.url, ({ args }) => {
      if (args[0]?.toUpperCase() === 'BLMPOP' && args[3]?.startsWith('streams:replies:')) replyLists.add(args[3]);
    });
    try {
      expect((await platform.request('/test1')).status).toBe(200);
      expect((await platform.request('/test2')).status).toBe(202);
      if (transport === 'redis-streams') await waitFor('a client to read its reply list', () => replyLists.size > 0);
    } finally {
      monitor.stop();
    }

    // 1. Streams: every request and event stream, every group reading it.
    const expected: Array<{ stream: string; group: string; reason: string }> = [];
    const streams = [...(await keysOfType(redis, 'streams:rpc:*', 'stream')), ...(await keysOfType(redis, 'streams:event:*', 'stream'))];
    if (transport === 'redis-streams') expect(streams).toEqual(expect.arrayContaining(['streams:rpc:catalog.hello', 'streams:event:seed.ping']));
    for (const stream of streams) {
      const groups = ((await redis.xinfo('GROUPS', stream)) as unknown[][]).map((group) => String(group[group.indexOf('name') + 1]));
      for (const { fields, reason } of streamGarbage(stream.startsWith('streams:rpc:') ? 'rpc' : 'event')) {
        await redis.xadd(stream, '*', ...Object.entries(fields).flat());
        for (const group of groups) expected.push({ stream, group, reason });
      }
    }

    // 2. Reply lists of the Streams clients.
    const inboxes = [...replyLists].sort();
    for (const inbox of inboxes) await redis.rpush(inbox, ...REPLY_GARBAGE);

    // 3. Pub/sub: every channel with a subscriber, and the reply channel of each (Nest's Redis
    //    client subscribes to `<pattern>.reply` while a call waits, so calls keep flowing).
    const calls = Promise.all(Array.from({ length: 20 }, () => httpOutcome(`${platform.gateway.url}/test1`)));
    const channels = ((await redis.pubsub('CHANNELS', '*')) as string[]).sort();
    if (transport === 'redis') expect(channels).toEqual(expect.arrayContaining(['catalog.hello', 'seed.ping']));
    for (const channel of new Set(channels.flatMap((channel) => [channel, `${channel}.reply`]))) {
      for (const message of CHANNEL_GARBAGE) await redis.publish(channel, message);
    }
    // Calls in flight meanwhile were answered, or (a garbage reply taken for theirs) refused cleanly.
    for (const call of await calls) expect([200, 502, 504]).toContain(call.status);

    // Each group set each piece of garbage aside with the reason, and said so in its log.
    for (const group of new Set(expected.map((item) => item.group))) {
      await waitFor(`${group} to set its garbage aside`, async () => {
        const dead = (await redis.xrange(`streams:dead:${group}`, '-', '+')).map(fieldsOf);
        return expected
          .filter((item) => item.group === group)
          .every((item) => dead.some((letter) => letter.stream === item.stream && letter.reason === item.reason));
      }, { timeoutMs: 30_000, intervalMs: 200 });
    }
    for (const name of new Set(expected.map((item) => item.group))) {
      const service = platform.services.services.get(name);
      if (service) expect(service.logs()).toMatch(/: (bad-json|wrong-shape|oversized) \(.*\); moved to streams:dead:/);
    }

    // Still serving, with the same processes: the gateway's routes, RPC, events, readiness.
    expect((await httpOutcome(`${platform.gateway.url}/test`)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await httpOutcome(`${platform.gateway.url}/test1`)).status).toBe(200);
    const before = await Promise.all(EVENT_SUBSCRIBERS.map((name) => pingsHandled(platform.services, name)));
    expect((await httpOutcome(`${platform.gateway.url}/test2`)).status).toBe(202);
    for (const [i, name] of EVENT_SUBSCRIBERS.entries()) {
      await waitFor(`${name} to receive an event after the garbage`, async () => (await pingsHandled(platform.services, name)) > before[i]!, { timeoutMs: 30_000 });
    }
    for (const service of services) await service.waitUntil('ready', 10_000);
    expect(services.map(pidOf)).toEqual(pids);
    expect(services.every((service) => !service.process.hasExited)).toBe(true);

    reportFigure(`garbage (${transport})`, `${expected.length} bad stream entries on ${streams.length} streams set aside, ${inboxes.length * REPLY_GARBAGE.length} bad replies in ${inboxes.length} reply lists skipped; ${CHANNEL_GARBAGE.length} bad messages on each of ${channels.length} channels (${channels.join(', ')}); every service still serving`);
  }, 120_000);

  // Reclaiming pending work exists on the Streams transport only (pub/sub keeps nothing).
  if (transport !== 'redis-streams') return;

  it('hands the dead replica\'s pending requests to the others, which answer them', async () => {
    const victim = platform.services.get('catalog-3');
    const survivors = [platform.services.get('catalog'), platform.services.get('catalog-2')].map(pidOf);
    const load = LoadRun.start({ concurrency: 8, send: () => httpOutcome(`${platform.gateway.url}/test1`), pauseMs: 5 });
    await waitFor('load to flow', () => load.completed >= 50, { timeoutMs: 30_000 });

    const held = await freezeHoldingWork(redis, victim);
    const killedAt = Date.now();
    await victim.kill();
    await waitFor('the survivors to take the dead replica\'s requests over', async () => (await pendingOf(redis, victim)) === 0, { timeoutMs: 30_000 });
    const reclaimedAfterMs = Date.now() - killedAt;
    const calls = await load.stop();

    reportFigure('replica SIGKILL, 15 s deadline', `${calls.length} requests, ${held} held by the killed replica, all taken over ${reclaimedAfterMs} ms after the kill; statuses ${JSON.stringify(tally(calls, (c) => c.outcome.status))}`);
    expect(calls).toHaveLength(load.sent);
    expect(tally(calls, (call) => call.outcome.status)).toEqual({ 200: calls.length });
    // The slowest answers are the reclaimed ones, answered by a survivor.
    const slowest = [...calls].sort((a, b) => b.outcome.durationMs - a.outcome.durationMs).slice(0, held);
    for (const call of slowest) {
      expect(call.outcome.durationMs).toBeGreaterThan(1_000);
      expect(survivors).toContain(answeredBy(call.outcome.body));
    }
  }, 120_000);

  it('answers 504 with a clear message when the deadline passes before the take-over', async () => {
    shortDeadlineGateway = await Service.start('gateway', { env: { ...platform.gatewayEnv, RPC_TIMEOUT_MS: '1500' } });
    const victim = platform.services.get('catalog-2');
    const load = LoadRun.start({ concurrency: 8, send: () => httpOutcome(`${shortDeadlineGateway!.url}/test1`), pauseMs: 5 });
    await waitFor('load to flow', () => load.completed >= 50, { timeoutMs: 30_000 });

    const held = await freezeHoldingWork(redis, victim);
    await victim.kill();
    // The survivor finds the dead replica's entries expired, acknowledges and drops them.
    await waitFor('the expired requests to be dropped', async () => (await pendingOf(redis, victim)) === 0, { timeoutMs: 30_000 });
    const calls = await load.stop();

    const statuses = tally(calls, (call) => call.outcome.status);
    reportFigure('replica SIGKILL, 1.5 s deadline', `${calls.length} requests, ${held} held by the killed replica; statuses ${JSON.stringify(statuses)}`);
    expect(calls).toHaveLength(load.sent);
    expect(Object.keys(statuses).sort()).toEqual(['200', '504']);
    expect(statuses[504]).toBeGreaterThanOrEqual(held);
    for (const call of calls.filter((c) => c.outcome.status === 504)) {
      // What was left of the request's 1.5 s budget when the call was sent.
      expect(call.outcome.body).toEqual({ statusCode: 504, error: 'Gateway Timeout', message: expect.stringMatching(/^catalog did not answer catalog\.hello within \d+ ms$/) });
    }
    // The platform keeps serving with the one replica left.
    expect((await httpOutcome(`${shortDeadlineGateway.url}/test1`)).status).toBe(200);
  }, 120_000);
});
