import { httpOutcome, LoadRun, tally, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { type Platform, startPlatform } from '../platform.js';
import { freezeHoldingWork, helloRequestsSent, pendingOf, ReadinessBalancer, reportFigure } from './support.js';

/** Long enough for the balancer (probing every 100 ms) to notice, even on a busy machine. */
const SHUTDOWN_DELAY_MS = 3_000;

/**
 * SIGTERM as Kubernetes sends it, under HTTP load: readiness turns 503 at once while the
 * replica keeps serving for SHUTDOWN_DELAY_MS (the time endpoints take to drop it), then it
 * stops accepting connections, finishes what is in flight and exits 0. The client is a
 * readiness-aware balancer over the gateway replicas, as a Service is.
 */
describe('graceful shutdown on SIGTERM under load', () => {
  let platform: Platform;
  let redis: Redis;

  beforeAll(async () => {
    platform = await startPlatform({
      replicas: { gateway: 2, catalog: 2 },
      // Deadlines longer than the freezes below: a request must wait, not time out.
      gatewayEnv: { RPC_TIMEOUT_MS: '10000', SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS) },
    });
    redis = platform.redis.client();
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await platform?.stop();
  });

  it('a gateway replica: readiness off, still serving during the delay, then refused; zero failed requests, exit 0', async () => {
    const stopping = platform.services.get('gateway-2');
    const balancer = ReadinessBalancer.start([platform.gateway, stopping]);
    const load = LoadRun.start({ concurrency: 8, send: () => balancer.get('/test1'), pauseMs: 2 });
    try {
      await waitFor('load on both replicas', () => load.completed >= 200, { timeoutMs: 30_000 });
      const signalledAt = Date.now();
      const exited = stopping.stop('SIGTERM', 30_000);

      await waitFor('readiness to turn 503', async () => (await httpOutcome(`${stopping.url}/health/ready`)).status === 503);
      // Still serving: a client that has not noticed yet is answered, and told to reconnect.
      const late = await fetch(`${stopping.url}/test1`);
      expect(late.status).toBe(200);
      expect(late.headers.get('connection')).toBe('close');
      expect((await httpOutcome(`${stopping.url}/health/live`)).status).toBe(200);

      expect(await exited).toEqual({ code: 0, signal: null });
      const stoppedAfterMs = Date.now() - signalledAt;
      expect(stoppedAfterMs).toBeGreaterThanOrEqual(SHUTDOWN_DELAY_MS);
      expect(await httpOutcome(`${stopping.url}/test1`)).toMatchObject({ status: 0, error: 'ECONNREFUSED' });

      const afterExit = load.completed;
      await waitFor('load to go on on the other replica', () => load.completed >= afterExit + 200, { timeoutMs: 30_000 });
      const calls = await load.stop();
      const byReplica = tally(calls, (call) => call.outcome.replica);
      reportFigure('gateway SIGTERM under load', `${calls.length} requests, statuses ${JSON.stringify(tally(calls, (c) => c.outcome.status))}, ${byReplica[stopping.url]} served by the stopping replica; exit 0 after ${stoppedAfterMs} ms (SHUTDOWN_DELAY_MS ${SHUTDOWN_DELAY_MS})`);
      expect(tally(calls, (call) => call.outcome.status)).toEqual({ 200: calls.length });
    } finally {
      balancer.stop();
      await load.stop();
    }
  }, 120_000);

  it('a gateway replica with a request in flight when it closes: the request is answered, then it exits 0', async () => {
    const gateway = platform.gateway;
    const catalogs = [platform.services.get('catalog'), platform.services.get('catalog-2')];
    const sentBefore = await helloRequestsSent(redis);
    for (const catalog of catalogs) catalog.pause();
    try {
      const inFlight = httpOutcome(`${gateway.url}/test1`);
      await waitFor('the request to reach the transport', async () => (await helloRequestsSent(redis)) > sentBefore);
      const exited = gateway.stop('SIGTERM', 30_000);
      // Past the delay the server closes its listener: new connections are refused while the
      // request is still waiting for catalog.
      await waitFor('the gateway to refuse new connections', async () => (await httpOutcome(`${gateway.url}/health/live`)).status === 0, { timeoutMs: SHUTDOWN_DELAY_MS + 10_000 });
      for (const catalog of catalogs) catalog.resume();
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ service: 'catalog' });
      expect(await exited).toEqual({ code: 0, signal: null });
    } finally {
      for (const catalog of catalogs) catalog.resume();
    }
  }, 60_000);

  it('a catalog replica holding requests: it answers them itself before it exits 0; zero failed requests', async () => {
    const gateway = await platform.gateway.respawn();
    platform.services.set('gateway', gateway);
    const stopping = platform.services.get('catalog-2');
    const load = LoadRun.start({ concurrency: 8, send: () => httpOutcome(`${gateway.url}/test1`), pauseMs: 2 });
    try {
      await waitFor('load to flow', () => load.completed >= 100, { timeoutMs: 30_000 });
      // Frozen with requests in hand, signalled, thawed: it must finish them before it exits.
      const held = await freezeHoldingWork(redis, stopping);
      stopping.process.child.kill('SIGTERM');
      stopping.resume();
      expect(await stopping.process.exited).toEqual({ code: 0, signal: null });
      // Had it dropped them, they would still be pending in its name (nobody takes an entry
      // over before it is idle for 5 s): they were answered and acknowledged.
      expect(await pendingOf(redis, stopping)).toBe(0);
      const afterExit = load.completed;
      await waitFor('load to go on on the other replica', () => load.completed >= afterExit + 100, { timeoutMs: 30_000 });
      const calls = await load.stop();

      reportFigure('catalog SIGTERM under load', `${held} requests held when signalled, answered by the stopping replica before it exited 0; ${calls.length} requests, statuses ${JSON.stringify(tally(calls, (c) => c.outcome.status))}`);
      expect(tally(calls, (call) => call.outcome.status)).toEqual({ 200: calls.length });
      expect(platform.services.get('catalog').logs()).not.toContain('took over');
    } finally {
      await load.stop();
    }
  }, 90_000);
});
