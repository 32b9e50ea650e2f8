import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { NotificationsQueues } from '@contracts/notifications';
import { Fixture } from '../fixture-process.js';
import type { DrainArgs, ProduceMode } from '../fixtures/queue-driver.js';
import { serviceDist } from '../paths.js';
import { type CommandsSeen, totalOf, watchCommands } from '../redis-monitor.js';
import { percent, rate, Recorder, rotation, spread, type TargetCheck, times } from '../results.js';
import { type Scenario, type ScenarioContext, type ScenarioOutcome, skipped } from '../scenario.js';
import { type Stack, Stack as PlatformStack, stopAll } from '../stacks.js';
import { ratio } from '../stats.js';

interface DrainFigures {
  jobsPerSecond: number;
  cpuUsPerJob: number;
  processed: number;
  failed: number;
  exhausted: boolean;
}

const WORKERS = [
  { id: 'email', label: 'notifications’ email worker, dev outbox transport' },
  { id: 'bare', label: 'bare BullMQ worker, no-op processor' },
] as const;

const PRODUCERS: ReadonlyArray<{ id: ProduceMode; label: string }> = [
  { id: 'add', label: '`add`, one at a time' },
  { id: 'add-concurrent', label: '`add`, 64 in flight' },
  { id: 'addBulk', label: '`addBulk`, 100 jobs per call' },
];

const BARE_QUEUE = 'bench-bare-email';
/** Jobs each worker runs under MONITOR, after the rounds, to count its Redis commands per job. */
const COUNTED_JOBS = 1_000;
const PRODUCE_QUEUE = 'bench-produce';

/** The email worker's concurrency, read from its build (it is a decorator argument there). */
async function emailConcurrency(): Promise<number | undefined> {
  const file = serviceDist('notifications', 'email/email.constants.js');
  if (!existsSync(file)) return undefined;
  const constants = (await import(pathToFileURL(file).href)) as { EMAIL_WORKER_CONCURRENCY?: unknown };
  return typeof constants.EMAIL_WORKER_CONCURRENCY === 'number' ? constants.EMAIL_WORKER_CONCURRENCY : undefined;
}

/**
 * Issue 8 §4, issue 16 §4: notifications' real email worker, delivering into its dev outbox
 * (one Lua script per job: the sent-once check, the marker and the outbox write), against a
 * bare BullMQ worker at the same concurrency, both draining a backlog of the same jobs; the
 * Redis commands each sends per job; then how fast `add` and `addBulk` enqueue.
 */
export const queuesScenario: Scenario = {
  id: 'queues',
  title: 'Queues (BullMQ)',
  async run(context: ScenarioContext): Promise<ScenarioOutcome> {
    const { settings } = context;
    const concurrency = await emailConcurrency();
    if (concurrency === undefined || !existsSync(serviceDist('notifications', 'email/mail-transport.js'))) {
      return skipped('notifications has no email worker build yet (services/notifications/dist/email/)');
    }
    let stack: Stack | undefined;
    const fixtures: Fixture[] = [];
    const recorder = new Recorder();
    const exhausted: string[] = [];
    let failedJobs = 0;
    const seen: Partial<Record<'email' | 'bare', CommandsSeen>> = {};
    try {
      stack = await PlatformStack.start(context, 'queues', [{ name: 'notifications' }]);
      const env = { REDIS_URL: stack.redisUrl };
      const bare = (await Fixture.start('bare-worker', 'bare-worker', { env: { ...env, QUEUE: BARE_QUEUE, CONCURRENCY: String(concurrency) } })).fixture;
      const driver = (await Fixture.start('queue-driver', 'queue-driver', { env })).fixture;
      fixtures.push(bare, driver);
      const queueOf = { email: NotificationsQueues.email.name, bare: BARE_QUEUE };
      const pids = { email: [...stack.pids(), context.redisPid], bare: [bare.pid, context.redisPid] };
      // A backlog for the warm-up and the window at `backlogRate[id]` jobs/s; a window that empties it
      // is flagged in the report, and that worker's next backlog is twice as large.
      const backlogRate = { email: 6_000, bare: 6_000 };
      const drain = async (id: 'email' | 'bare', warmupMs: number, measureMs: number) => {
        await driver.call('fill', { queue: queueOf[id], count: Math.ceil(((warmupMs + measureMs) / 1_000) * backlogRate[id]) });
        const figures = await driver.call<DrainFigures>('drain', { queue: queueOf[id], warmupMs, measureMs, cpuPids: pids[id] } satisfies DrainArgs);
        if (figures.exhausted) backlogRate[id] = Math.min(backlogRate[id] * 2, 24_000);
        return figures;
      };
      if (settings.primeMs > 0) for (const worker of WORKERS) await drain(worker.id, settings.primeMs, 100);
      for (let round = 0; round < settings.rounds; round++) {
        for (const worker of rotation(WORKERS, round)) {
          const figures = await drain(worker.id, settings.warmupMs, settings.measureMs);
          recorder.add(worker.id, 'jobsPerSecond', figures.jobsPerSecond, 'jobs/s');
          recorder.add(worker.id, 'cpuUsPerJob', figures.cpuUsPerJob, 'µs');
          failedJobs += figures.failed;
          if (figures.exhausted) exhausted.push(`${worker.id} round ${round + 1}`);
        }
        for (const producer of rotation(PRODUCERS, round)) {
          const figures = await driver.call<{ jobsPerSecond: number }>('produce', {
            queue: PRODUCE_QUEUE,
            mode: producer.id,
            durationMs: settings.measureMs,
            concurrency: settings.concurrency,
            bulkSize: 100,
          });
          recorder.add(producer.id, 'jobsPerSecond', figures.jobsPerSecond, 'jobs/s');
        }
        context.log(`queues: round ${round + 1}/${settings.rounds} done`);
      }
      // Outside every measured window (MONITOR slows Redis down); the driver's own polling is left out.
      const ignored = new Set([await driver.call<string>('address', {})]);
      for (const worker of WORKERS) {
        await driver.call('fill', { queue: queueOf[worker.id], count: COUNTED_JOBS });
        seen[worker.id] = await watchCommands(
          context.redis.url,
          stack.db,
          async () => {
            await driver.call('finish', { queue: queueOf[worker.id] });
          },
          ignored,
        );
      }
    } finally {
      await Promise.allSettled(fixtures.map((fixture) => fixture.stop()));
      await stopAll([stack]);
    }
    const figures = recorder.figures();
    const jobs = (id: string) => recorder.median(id, 'jobsPerSecond');
    const share = ratio(jobs('email'), jobs('bare'));
    const perJob = (counts: Record<string, number> | undefined) => (counts ? totalOf(counts) / COUNTED_JOBS : Number.NaN);
    const byCommand = (counts: Record<string, number> | undefined) =>
      Object.entries(counts ?? {})
        .sort(([, a], [, b]) => b - a)
        .map(([command, count]) => `${command} ${(count / COUNTED_JOBS).toFixed(2)}`)
        .join(', ');
    const targets: TargetCheck[] = [
      {
        target: 'email queue ≥ 80% of the bare BullMQ worker (same concurrency)',
        measured: `${rate(jobs('email'))} vs ${rate(jobs('bare'))} jobs/s = ${percent(share)}`,
        met: share >= 0.8,
        ...(exhausted.length > 0 ? { note: `backlog ran out in ${exhausted.join(', ')}: those rates are lower bounds` } : {}),
      },
    ];
    return {
      status: 'ok',
      figures,
      extra: { concurrency, failedJobs, exhausted },
      tables: [
        {
          title: `Draining a backlog at concurrency ${concurrency}`,
          columns: ['worker', 'jobs/s', 'vs bare', 'CPU per job (µs)', 'Redis commands sent per job', 'run by scripts per job'],
          rows: WORKERS.map((worker) => [
            worker.label,
            rate(jobs(worker.id)) + spread(figures[worker.id]?.jobsPerSecond, rate),
            times(ratio(jobs(worker.id), jobs('bare'))),
            rate(recorder.median(worker.id, 'cpuUsPerJob')),
            perJob(seen[worker.id]?.sent).toFixed(2),
            perJob(seen[worker.id]?.inScripts).toFixed(2),
          ]),
        },
        {
          title: `Redis commands per job, by command (${COUNTED_JOBS} jobs under MONITOR)`,
          columns: ['worker', 'sent by the worker', 'run by its scripts'],
          rows: WORKERS.map((worker) => [worker.label, byCommand(seen[worker.id]?.sent), byCommand(seen[worker.id]?.inScripts)]),
        },
        {
          title: 'Enqueueing email jobs (no worker)',
          columns: ['producer', 'jobs/s', 'vs `add` one at a time'],
          rows: PRODUCERS.map((producer) => [
            producer.label,
            rate(jobs(producer.id)) + spread(figures[producer.id]?.jobsPerSecond, rate),
            times(ratio(jobs(producer.id), jobs('add'))),
          ]),
        },
      ],
      notes: [
        'Both workers drain the same jobs (the platform’s email payload and job options: attempts, backoff, bounded retention) ' +
          'from a paused, pre-filled queue; the rate is the drop of waiting+active jobs over the window.',
        'The email worker runs inside the real notifications service and delivers into its dev outbox: validation, rendering, ' +
          'the “already sent” check, the sent marker and the outbox write (one Lua script, so one Redis round trip), metrics and counters.',
        `Redis commands per job: ${COUNTED_JOBS} jobs per worker run to the end under MONITOR after the rounds, the driver’s own ` +
          'commands left out; “sent” are the commands the worker sends (a script once: one round trip each, except inside a ' +
          'MULTI), “run by scripts” those its scripts (BullMQ’s and the email worker’s) run inside Redis. The idle notifications ' +
          'service shares the database and adds its background (counter flushes, blocking reads) to both rows.',
        `CPU per job: the worker’s process and redis-server. Jobs that failed during the run: ${failedJobs}.`,
      ],
      targets,
    };
  },
};
