import { ServiceProcess, waitFor } from '@platform/testing';
import { type Platform, startPlatform } from '../platform.js';
import { SmtpSink } from './smtp-sink.js';
import { reportFigure } from './support.js';

const PASSWORD = 'correct horse battery staple';
/** How long the bound-test worker may take to stop (SHUTDOWN_TIMEOUT_MS). */
const SHORT_SHUTDOWN_TIMEOUT_MS = 2_000;
/**
 * Every worker's stalled-job check (EMAIL_STALLED_CHECK_MS), instead of BullMQ's 30 s. A check
 * holds off the others for its interval, so every worker of the queue gets it.
 */
const WORKER_ENV = { EMAIL_STALLED_CHECK_MS: '1000' };

/**
 * The notifications email worker (BullMQ) stopped or killed while it is sending: the SMTP
 * sink holds back its answer to DATA, so the job is provably mid-flight. Jobs come from the
 * real producer (accounts, via the gateway's registration: its verification email). An email counts as sent when
 * the sink answered 250, as with a relay.
 *
 * A job whose worker dies keeps its BullMQ lock until it expires (30 s after its last renewal,
 * which comes every 15 s); the stalled-job check of a live worker then puts it back in the
 * queue. That is why the second test takes 15-35 s.
 */
describe('email worker faults (notifications, BullMQ, SMTP)', () => {
  let platform: Platform;
  let sink: SmtpSink;
  const extraWorkers: ServiceProcess[] = [];

  beforeAll(async () => {
    sink = await SmtpSink.start();
    // Debug: the worker logs each finished job only at that level (the first test reads the line).
    platform = await startPlatform({ serviceEnv: { notifications: { SMTP_URL: sink.url, LOG_LEVEL: 'debug', ...WORKER_ENV } } });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(extraWorkers.map((worker) => worker.stop()));
    await platform?.stop();
    await sink?.stop();
  });

  /** Registers `email`: accounts queues its verification email. */
  async function register(email: string): Promise<void> {
    const json = { 'content-type': 'application/json' };
    const registered = await platform.request('/auth/register', { method: 'POST', headers: json, body: JSON.stringify({ email, password: PASSWORD }) });
    expect(registered.status).toBe(202);
  }

  function startWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
    return ServiceProcess.start('notifications', { env: { ...platform.env, SMTP_URL: sink.url, ...WORKER_ENV, ...env } }).then((worker) => {
      extraWorkers.push(worker);
      return worker;
    });
  }

  it('SIGTERM mid-job: the worker finishes the job, the email goes out once, and the process exits 0', async () => {
    const worker = platform.services.get('notifications');
    sink.hold();
    await register('sigterm@example.com');
    await waitFor('the worker to be mid-send', () => sink.waiting >= 1, { timeoutMs: 20_000 });

    const exited = worker.stop('SIGTERM', 30_000);
    // Past HTTP and the transports, Nest is closing the worker, which waits for its job.
    await waitFor('the worker to stop accepting connections', async () => (await fetch(`${worker.url}/health/live`).catch(() => undefined)) === undefined);
    expect(worker.process.hasExited).toBe(false);
    sink.release();

    expect(await exited).toEqual({ code: 0, signal: null });
    expect(sink.acceptedFor('sigterm@example.com')).toHaveLength(1);
    expect(worker.logs()).toMatch(/email job \S+ \(verify-email\): sent/);
  }, 60_000);

  it('SIGTERM past the bound, and SIGKILL mid-job: each job returns to the queue and another worker sends it once', async () => {
    // 1. A job that does not finish within SHUTDOWN_TIMEOUT_MS: the process exits anyway, at the bound.
    const bounded = await startWorker({ SHUTDOWN_TIMEOUT_MS: String(SHORT_SHUTDOWN_TIMEOUT_MS) });
    sink.hold();
    await register('bounded@example.com');
    await waitFor('the first worker to be mid-send', () => sink.waiting >= 1, { timeoutMs: 20_000 });
    const signalled = Date.now();
    const boundedExit = await bounded.stop('SIGTERM', 30_000);
    const stopMs = Date.now() - signalled;
    expect(boundedExit).toEqual({ code: 1, signal: null });
    expect(bounded.logs()).toContain('graceful shutdown timed out');
    expect(stopMs).toBeLessThan(SHORT_SHUTDOWN_TIMEOUT_MS + 10_000);

    // 2. A worker SIGKILLed mid-send.
    const killed = await startWorker();
    await register('killed@example.com');
    await waitFor('the second worker to be mid-send', () => sink.messages.filter((m) => m.to.includes('killed@example.com')).length >= 1, { timeoutMs: 20_000 });
    await killed.kill();
    const killedAt = Date.now();
    // The sink learns of the hang-up in an event of its own: releasing before it would answer
    // 250 to a dead connection and count the interrupted attempt as accepted.
    await waitFor('the sink to see both interrupted connections close', () => sink.waiting === 0, { timeoutMs: 10_000 });

    // 3. A healthy worker: its stalled-job check returns both jobs to the queue once their
    //    locks expire, and it sends each email once.
    sink.release();
    await startWorker();
    await waitFor('both emails to be sent by the healthy worker', () =>
      sink.acceptedFor('bounded@example.com').length >= 1 && sink.acceptedFor('killed@example.com').length >= 1, { timeoutMs: 60_000, intervalMs: 200 });
    const recoveredMs = Date.now() - killedAt;
    // Late duplicates would arrive within a moment.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    reportFigure('email worker SIGTERM past the bound', `exited ${boundedExit.code} after ${stopMs} ms (SHUTDOWN_TIMEOUT_MS ${SHORT_SHUTDOWN_TIMEOUT_MS})`);
    reportFigure('email worker SIGKILL mid-job', `the job was sent by another worker ${recoveredMs} ms after the kill (BullMQ lock 30 s after its last renewal + a stalled check every ${WORKER_ENV.EMAIL_STALLED_CHECK_MS} ms)`);
    for (const email of ['bounded@example.com', 'killed@example.com']) {
      expect(sink.acceptedFor(email)).toHaveLength(1);
      // The interrupted attempt reached the sink but was never accepted.
      expect(sink.messages.filter((message) => message.to.includes(email) && !message.accepted).length).toBeGreaterThanOrEqual(1);
    }
  }, 120_000);
});
