import { COUNTER_BATCH_KEY_PREFIX } from '@platform/counters';
import { Fixture } from '../fixture-process.js';
import type { FlushArgs, FlushVariant } from '../fixtures/counters-flush.js';
import { ms, rate, Recorder, rotation, spread, times } from '../results.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../scenario.js';
import type { LatencySummary } from '../stats.js';
import { ratio } from '../stats.js';

interface FlushFigures {
  latency: LatencySummary;
  clientCpuUsPerFlush: number;
  redisCpuUsPerFlush: number;
}

const VARIANTS: ReadonlyArray<{ id: FlushVariant; label: string }> = [
  { id: 'script', label: 'Counters: one script per batch, batch marker (SET NX EX)' },
  { id: 'multi', label: 'before: one MULTI of HSET + HINCRBYs' },
];

/** Label sets per batch: a quiet service, and a busy one counting many label sets. */
const BATCH_SIZES = [1, 20] as const;

const FLUSHES = { full: 2_000, quick: 300, smoke: 20 } as const;

/**
 * The cost of counting each increment once: the flush of `@platform/counters` (its batch and
 * marker written by one script) against the MULTI it replaced, one flush at a time from a
 * process of its own, for batches of 1 and 20 label sets; and what the markers keep in Redis.
 */
export const countersScenario: Scenario = {
  id: 'counters',
  title: 'Counters flush (exactly once vs MULTI)',
  async run(context: ScenarioContext): Promise<ScenarioOutcome> {
    const { settings } = context;
    const db = context.allocateDb();
    const redisUrl = `${context.redis.url}/${db}`;
    const flushes = FLUSHES[settings.mode];
    const recorder = new Recorder();
    let fixture: Fixture | undefined;
    let flushed = 0;
    const probe = context.redis.client();
    try {
      fixture = (await Fixture.start('counters-flush', 'counters-flush', { env: { REDIS_URL: redisUrl } })).fixture;
      const measure = (variant: FlushVariant, labelSets: number, count: number) => {
        flushed += count;
        return fixture!.call<FlushFigures>('measure', { variant, labelSets, flushes: count, redisPid: context.redisPid } satisfies FlushArgs);
      };
      if (settings.primeMs > 0) for (const variant of VARIANTS) for (const size of BATCH_SIZES) await measure(variant.id, size, flushes);
      for (let round = 0; round < settings.rounds; round++) {
        for (const variant of rotation(VARIANTS, round)) {
          for (const size of BATCH_SIZES) {
            const figures = await measure(variant.id, size, flushes);
            const key = `${variant.id}-${size}`;
            recorder.add(key, 'p50', figures.latency.p50, 'ms');
            recorder.add(key, 'p99', figures.latency.p99, 'ms');
            recorder.add(key, 'clientCpuUs', figures.clientCpuUsPerFlush, 'µs');
            recorder.add(key, 'redisCpuUs', figures.redisCpuUsPerFlush, 'µs');
          }
        }
        context.log(`counters: round ${round + 1}/${settings.rounds} done`);
      }
      const totals = await fixture.call<Record<string, string>>('totals');
      await probe.select(db);
      const markerKeys = await probe.keys(`${COUNTER_BATCH_KEY_PREFIX}*`);
      const markerBytes = markerKeys[0] ? Number(await probe.memory('USAGE', markerKeys[0])) : Number.NaN;
      const counted = Number(totals['set=0'] ?? 0);
      const figures = recorder.figures();
      const p50 = (variant: FlushVariant, size: number) => recorder.median(`${variant}-${size}`, 'p50');
      return {
        status: 'ok',
        figures,
        extra: { flushes: flushed, counted, markers: markerKeys.length, markerBytes },
        tables: [
          {
            title: `One flush at a time, ${flushes} flushes per variant, batch size and round`,
            columns: ['flush', 'label sets per batch', 'p50 (ms)', 'p99 (ms)', 'p50 vs MULTI', 'CPU per flush, client (µs)', 'CPU per flush, Redis (µs)'],
            rows: VARIANTS.flatMap((variant) =>
              BATCH_SIZES.map((size) => {
                const key = `${variant.id}-${size}`;
                return [
                  variant.label,
                  String(size),
                  `${ms(p50(variant.id, size))}${spread(figures[key]?.p50, ms)}`,
                  ms(recorder.median(key, 'p99')),
                  times(ratio(p50(variant.id, size), p50('multi', size))),
                  rate(recorder.median(key, 'clientCpuUs')),
                  rate(recorder.median(key, 'redisCpuUs')),
                ];
              }),
            ),
          },
        ],
        notes: [
          'Both flushes write the same keys over a `command` connection (`@platform/redis`), one at a time, from a forked process; ' +
            'the script is sent as EVALSHA. Client CPU is the fixture process’ (building the batch, ioredis, parsing the reply).',
          `A batch marker takes ${Number.isFinite(markerBytes) ? rate(markerBytes) : 'n/a'} bytes of Redis memory (MEMORY USAGE of its key; ` +
            `about 160 with the expiry and the key space's own entries); ${rate(markerKeys.length)} were left by this run, one per flush of the script, ` +
            'each kept a day while its batch may be resent, an hour once the next batch saw it answered.',
          `Each increment counted once: ${rate(counted)} counted for ${rate(flushed)} flushes of the first label set` +
            `${counted === flushed ? '' : ' (MISMATCH)'}.`,
        ],
        targets: [],
      };
    } finally {
      probe.disconnect();
      await fixture?.stop();
    }
  },
};
