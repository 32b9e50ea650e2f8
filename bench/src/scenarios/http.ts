import type { Fixture } from '../fixture-process.js';
import { ms, percent, rate, Recorder, rotation, spread, times } from '../results.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../scenario.js';
import { Stack, stopAll } from '../stacks.js';
import { ratio } from '../stats.js';
import { expectOk, measureHttp, primeStackRoute, startHello, startLoad } from './http-variants.js';

const VARIANTS = [
  { id: 'gateway', label: 'gateway GET /test1 (→ catalog over Streams, and back)' },
  { id: 'nest', label: 'bare Nest 12 + Fastify hello world' },
  { id: 'fastify', label: 'bare Fastify 5 hello world' },
  // Not asked for by the issue: they split the gap between the first two.
  { id: 'gateway-tcp', label: '(split) gateway GET /test (→ legacy over Nest TCP)' },
  { id: 'gateway-health', label: '(split) gateway GET /health/live (the gateway’s HTTP stack, no hop)' },
] as const;

/** The processes whose CPU time each variant counts, in the order their pids are passed. */
const PROCESSES: Record<(typeof VARIANTS)[number]['id'], readonly string[]> = {
  gateway: ['gateway', 'catalog', 'redis-server'],
  nest: ['the app'],
  fastify: ['the app'],
  'gateway-tcp': ['gateway', 'legacy'],
  'gateway-health': ['gateway'],
};

/** `gateway 60, catalog 70, redis-server 40`: a variant's CPU per request, split by process. */
function byProcess(recorder: Recorder, id: (typeof VARIANTS)[number]['id']): string {
  const names = PROCESSES[id];
  return names.length < 2 ? '' : names.map((name, i) => `${name} ${rate(recorder.median(id, `cpuUs:${i}`))}`).join(', ');
}

/**
 * Issue 8 §3: autocannon against the gateway's /test1 (a full hop to catalog and back, with
 * the platform's logging, metrics, validation and error handling) and against two bare
 * hello worlds, interleaved.
 */
export const httpScenario: Scenario = {
  id: 'http',
  title: 'HTTP end to end',
  async run(context: ScenarioContext): Promise<ScenarioOutcome> {
    const { settings } = context;
    let stack: Stack | undefined;
    const fixtures: Fixture[] = [];
    const recorder = new Recorder();
    try {
      stack = await Stack.start(context, 'http', [{ name: 'catalog' }, { name: 'legacy' }, { name: 'gateway' }]);
      const nest = await startHello('hello-nest');
      const fastify = await startHello('hello-fastify');
      const load = await startLoad();
      fixtures.push(nest.fixture, fastify.fixture, load);
      const urls: Record<(typeof VARIANTS)[number]['id'], string> = {
        gateway: `${stack.url('gateway')}/test1`,
        nest: nest.url,
        fastify: fastify.url,
        'gateway-tcp': `${stack.url('gateway')}/test`,
        'gateway-health': `${stack.url('gateway')}/health/live`,
      };
      // The processes serving each variant: their CPU time per request is the steadiest figure here.
      const gatewayPid = stack.service('gateway').process.pid ?? -1;
      const pids: Record<(typeof VARIANTS)[number]['id'], number[]> = {
        gateway: [gatewayPid, stack.service('catalog').process.pid ?? -1, context.redisPid],
        nest: [nest.fixture.pid],
        fastify: [fastify.fixture.pid],
        'gateway-tcp': [gatewayPid, stack.service('legacy').process.pid ?? -1],
        'gateway-health': [gatewayPid],
      };
      for (const url of Object.values(urls)) await expectOk(url);
      for (const variant of VARIANTS) {
        if (variant.id.startsWith('gateway')) await primeStackRoute(load, settings, urls[variant.id]);
        else if (settings.primeMs > 0) await load.call('autocannon', { url: urls[variant.id], connections: settings.concurrency, durationMs: settings.primeMs });
      }
      for (let round = 0; round < settings.rounds; round++) {
        for (const variant of rotation(VARIANTS, round)) {
          await measureHttp(load, recorder, variant.id, settings, { url: urls[variant.id], cpuPids: pids[variant.id] });
        }
        context.log(`http: round ${round + 1}/${settings.rounds} done`);
      }
    } finally {
      await Promise.allSettled(fixtures.map((fixture) => fixture.stop()));
      await stopAll([stack]);
    }
    const figures = recorder.figures();
    const rps = (id: string) => recorder.median(id, 'rps');
    const p50 = (id: string) => recorder.median(id, 'p50');
    const cpu = (id: string) => recorder.median(id, 'cpuUsPerRequest');
    const share = ratio(rps('gateway'), rps('nest'));
    return {
      status: 'ok',
      figures,
      extra: {},
      tables: [
        {
          columns: ['server', `req/s (${settings.concurrency} connections)`, 'p50 (ms)', 'p99 (ms)', 'vs bare Nest', 'CPU per request (µs)', 'by process (µs)', 'failed requests'],
          rows: VARIANTS.map((variant) => [
            variant.label,
            rate(rps(variant.id)) + spread(figures[variant.id]?.rps, rate),
            ms(recorder.median(variant.id, 'p50')),
            ms(recorder.median(variant.id, 'p99')),
            times(ratio(rps(variant.id), rps('nest'))),
            rate(recorder.median(variant.id, 'cpuUsPerRequest')),
            byProcess(recorder, variant.id),
            rate(figures[variant.id]?.failed?.rounds.reduce((sum, value) => sum + value, 0) ?? Number.NaN),
          ]),
        },
      ],
      notes: [
        'autocannon runs in its own process on the same 2 cores; the gateway variant also runs catalog and Redis on them.',
        'CPU per request: user+system time of the serving processes (gateway, catalog and redis-server for /test1; ' +
          'gateway and legacy for /test; the gateway for /health/live) per completed request, autocannon excluded.',
        'The two (split) rows are not targets: /health/live runs the gateway’s HTTP stack (Fastify, Nest, the session ' +
          'and cookie plugins, hooks) without a hop; /test adds a hop over Nest’s TCP transport instead of Streams.',
      ],
      // Issue 16's targets: the gateway's own stack near a bare Nest app, a Streams hop near a TCP one.
      targets: [
        {
          target: 'gateway /health/live (no hop) CPU per request ≤ 1.3x the bare Nest+Fastify hello world’s',
          measured: `${rate(cpu('gateway-health'))} vs ${rate(cpu('nest'))} µs = ${times(ratio(cpu('gateway-health'), cpu('nest')))}`,
          met: ratio(cpu('gateway-health'), cpu('nest')) <= 1.3,
        },
        {
          target: 'gateway /test1 ≥ 40% of the bare Nest+Fastify hello world’s throughput',
          measured: `${rate(rps('gateway'))} vs ${rate(rps('nest'))} req/s = ${percent(share)}`,
          met: share >= 0.4,
        },
        {
          target: `gateway /test1’s p50 at ${settings.concurrency} connections ≤ /test’s (a hop over Nest TCP)`,
          measured: `${ms(p50('gateway'))} vs ${ms(p50('gateway-tcp'))} ms`,
          met: p50('gateway') <= p50('gateway-tcp'),
        },
      ],
    };
  },
};
