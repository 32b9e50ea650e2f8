import { performance } from 'node:perf_hooks';
import { httpOutcome, type HttpOutcome, LoadRun, tally, waitFor } from '@platform/testing';
import { type Platform, startPlatform } from '../platform.js';
import { SmtpSink } from './smtp-sink.js';
import { pidOf, reportFigure } from './support.js';

/** Registration hashes passwords (CPU-bound): leave it room on a busy machine. */
const RPC_TIMEOUT_MS = 5_000;
const OUTAGE_MS = 3_000;
const PASSWORD = 'correct horse battery staple';
const EVENT_SUBSCRIBERS = ['catalog', 'accounts', 'notifications'];
const JSON_HEADERS = { 'content-type': 'application/json' };

type Timed = HttpOutcome & { sentAt: number };

async function timed(call: () => Promise<HttpOutcome>): Promise<Timed> {
  const sentAt = performance.now();
  return { ...(await call()), sentAt };
}

/**
 * Redis (append-only file, fsync every second) is SIGKILLed under load and started again on
 * the same data, with every service left running. Three kinds of load go through the gateway:
 * requests (`GET /test1`), events (`GET /test2`, an acknowledged publish of seed.ping that
 * catalog, accounts and notifications subscribe to) and jobs (`POST /auth/password-reset`,
 * an acknowledged BullMQ email job, each for a different account, sent to an SMTP sink).
 */
describe('Redis crash and restart under load', () => {
  let platform: Platform;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    platform = await startPlatform({
      redis: { appendOnly: true },
      gatewayEnv: { RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS) },
      serviceEnv: { notifications: { SMTP_URL: sink.url } },
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await sink?.stop();
  });

  it('answers 503 at once during the outage, then processes every acknowledged event and job, with no service restarted', async () => {
    // One address per registration, so each acknowledged registration is one email (its verification) to look for.
    const accounts = Array.from({ length: 70 }, (_, i) => `outage-${i}@example.com`);
    const services = [...platform.services.services.values()];
    const pids = services.map(pidOf);
    const url = platform.gateway.url;

    const requests = LoadRun.start({ concurrency: 2, pauseMs: 20, send: () => timed(() => httpOutcome(`${url}/test1`)) });
    const events = LoadRun.start({ concurrency: 2, pauseMs: 20, send: () => timed(() => httpOutcome(`${url}/test2`)) });
    const jobs = LoadRun.start({
      concurrency: 1,
      total: accounts.length,
      pauseMs: 150,
      send: (i) => timed(() => httpOutcome(`${url}/auth/register`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ email: accounts[i], password: PASSWORD }) })),
    });
    await waitFor('load to flow', () => events.completed >= 20 && jobs.completed >= 10, { timeoutMs: 30_000 });

    await platform.redis.kill();
    const downFrom = performance.now();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const downTo = performance.now();
    await platform.redis.start();
    await waitFor('requests to succeed again', async () => (await httpOutcome(`${url}/test1`)).status === 200, { timeoutMs: 30_000, intervalMs: 100 });
    const recoveredMs = performance.now() - downTo;
    const afterRecovery = { events: events.completed, jobs: jobs.completed };
    await waitFor('load to flow again', () => events.completed >= afterRecovery.events + 20 && jobs.completed >= Math.min(afterRecovery.jobs + 10, accounts.length), { timeoutMs: 30_000 });
    const [requestCalls, eventCalls, jobCalls] = await Promise.all([requests.stop(), events.stop(), jobs.stop()]);

    // Calls sent while Redis was down (a margin after the crash for those already in flight)
    // fail fast with 503, well before the RPC deadline.
    const duringOutage = [...requestCalls, ...eventCalls, ...jobCalls].map((call) => call.outcome).filter((o) => o.sentAt > downFrom + 200 && o.sentAt + o.durationMs < downTo);
    expect(duringOutage.length).toBeGreaterThan(10);
    expect(tally(duringOutage, (o) => o.status)).toEqual({ 503: duringOutage.length });
    const slowest = Math.max(...duringOutage.map((o) => o.durationMs));
    expect(slowest).toBeLessThan(RPC_TIMEOUT_MS);
    for (const o of duringOutage) expect(o.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
    // Anything else is a success, or (for the few calls in flight at the crash) 503/504.
    for (const [calls, ok] of [[requestCalls, 200], [eventCalls, 202], [jobCalls, 202]] as const) {
      expect(calls.every((call) => [ok, 503, 504].includes(call.outcome.status))).toBe(true);
    }

    // Every acknowledged event reaches every subscriber.
    const publishedIds = eventCalls.filter((call) => call.outcome.status === 202).map((call) => (call.outcome.body as { id: string }).id);
    for (const name of EVENT_SUBSCRIBERS) {
      await waitFor(`${name} to receive every acknowledged event`, () => {
        const logs = platform.services.get(name).logs();
        return publishedIds.every((id) => logs.includes(`received seed.ping ${id}`));
      }, { timeoutMs: 30_000, intervalMs: 200 });
    }
    // Every acknowledged job sends its email, once.
    const mailedTo = jobCalls.filter((call) => call.outcome.status === 202).map((call) => accounts[call.index]!);
    await waitFor('every acknowledged email job to be sent', () => mailedTo.every((email) => sink.acceptedFor(email).length >= 1), { timeoutMs: 60_000, intervalMs: 200 });
    for (const email of mailedTo) expect(sink.acceptedFor(email)).toHaveLength(1);

    // Nothing restarted.
    expect(services.map(pidOf)).toEqual(pids);
    expect(services.every((service) => !service.process.hasExited)).toBe(true);
    for (const service of services) await service.waitUntil('ready', 30_000);

    reportFigure('Redis SIGKILL + restart (AOF everysec)', `${OUTAGE_MS} ms outage: ${duringOutage.length} calls during it, all 503, slowest ${Math.round(slowest)} ms; /test1 answered again ${Math.round(recoveredMs)} ms after Redis was started; ${publishedIds.length} acknowledged events x ${EVENT_SUBSCRIBERS.length} subscribers and ${mailedTo.length} acknowledged email jobs all processed, no restart`);
  }, 180_000);
});
