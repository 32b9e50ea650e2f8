import type { Fixture } from '../fixture-process.js';
import { NatsServer } from '../nats-server.js';
import { rate, Recorder, rotation, type Table, type TargetCheck, times } from '../results.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../scenario.js';
import { sideBySide } from '../side-by-side.js';
import { everyRequestOnce, handledHistogram, ratio } from '../stats.js';
import { brokerPid, cpuProfiles, NEST_NATS, prime, startEchoes, stopEchoes, type ThroughputFigures, TRANSPORTS, withNats } from './rpc-fixtures.js';

const REPLICAS = 3;
// TCP is point to point: a caller holds one connection to one replica (a Kubernetes Service
// balances connections, not requests), so 3 replicas behind it serve one caller like 1.
const REDIS_TRANSPORTS = TRANSPORTS.filter((variant) => variant.transport !== 'tcp');

/**
 * Issue 8 §2: three replicas of the echo service per Redis transport, and of Nest's NATS
 * transport in one queue group where the run has a nats-server (issue 16), one caller at
 * `concurrency` in flight; every replica counts what it handled, so the bench knows how many
 * times each request ran.
 */
export const replicasScenario: Scenario = {
  id: 'replicas',
  title: `RPC with ${REPLICAS} replicas of the service`,
  async run(context: ScenarioContext): Promise<ScenarioOutcome> {
    const { settings } = context;
    const redisUrl = `${context.redis.url}/${context.allocateDb()}`;
    const nats = await context.nats();
    const natsServer = nats instanceof NatsServer ? nats : undefined;
    const variants = natsServer ? withNats(REDIS_TRANSPORTS) : REDIS_TRANSPORTS;
    if ('missing' in nats) context.log(`replicas: ${NEST_NATS.label} skipped: ${nats.missing}`);
    let byVariant = new Map<string, { servers: Fixture[]; client: Fixture }>();
    const recorder = new Recorder();
    const handled: Record<string, Record<string, number>> = {};
    const errors: Record<string, number> = {};
    try {
      byVariant = await startEchoes(variants, { redisUrl, natsUrl: natsServer?.url, service: 'echo3', replicas: REPLICAS, execArgv: cpuProfiles(settings, 'replicas') });
      // Every replica needs its own warm-up, and each gets a third of the caller's requests.
      for (const variant of variants) await prime(byVariant.get(variant.id)!.client, { ...settings, primeMs: settings.primeMs * 2 });
      for (let round = 0; round < settings.rounds; round++) {
        for (const variant of rotation(variants, round)) {
          const { servers, client } = byVariant.get(variant.id)!;
          const tag = `replicas-${round}`;
          const figures = await client.call<ThroughputFigures>('throughput', {
            warmupMs: settings.warmupMs,
            measureMs: settings.measureMs,
            concurrency: settings.concurrency,
            tag,
            cpuPids: [...servers.map((server) => server.pid), brokerPid(variant, { redis: context.redisPid, nats: natsServer?.pid })],
          });
          // Pub/sub replicas that lost the race may still be running a request: let them finish.
          await new Promise((resolve) => setTimeout(resolve, 300));
          const counts = await Promise.all(servers.map((server) => server.call<number[]>('tally', { tag, sent: figures.sent })));
          const perRequest = Array.from({ length: figures.sent }, (_, n) => counts.reduce((sum, replica) => sum + (replica[n] ?? 0), 0));
          const total = perRequest.reduce((sum, count) => sum + count, 0);
          const perReplica = counts.map((replica) => replica.reduce((sum, count) => sum + count, 0));
          recorder.add(variant.id, 'rps', figures.rps, 'req/s');
          recorder.add(variant.id, 'cpuUsPerRequest', figures.cpuUsPerRequest, 'µs');
          // [caller, ...replicas, redis]: the busiest replica bounds throughput once each has a core.
          const replicaCpu = figures.cpuUsPerRequestByProcess.slice(1, 1 + servers.length);
          const busiest = Math.max(...replicaCpu);
          recorder.add(variant.id, 'busiestReplicaCpuUs', busiest, 'µs');
          recorder.add(variant.id, 'projectedRps', 1e6 / busiest, 'req/s');
          recorder.add(variant.id, 'handledPerRequest', total / Math.max(1, figures.sent), 'x');
          recorder.add(variant.id, 'busiestReplicaShare', Math.max(...perReplica) / Math.max(1, total), 'share');
          const histogram = (handled[variant.id] ??= {});
          for (const [times, requests] of Object.entries(handledHistogram(perRequest))) histogram[times] = (histogram[times] ?? 0) + requests;
          errors[variant.id] = (errors[variant.id] ?? 0) + figures.errors;
        }
        context.log(`replicas: round ${round + 1}/${settings.rounds} done`);
      }
    } finally {
      await stopEchoes(byVariant);
    }

    const rps = (id: string) => recorder.median(id, 'rps');
    const projected = (id: string) => recorder.median(id, 'projectedRps');
    const streamsHandled = handled.streams ?? {};
    const natsHandled = handled[NEST_NATS.id] ?? {};
    const targets: TargetCheck[] = [
      {
        target: `Streams throughput with ${REPLICAS} replicas ≥ 1.5x Nest's Redis transport with ${REPLICAS} replicas (which handles every request ${REPLICAS} times)`,
        measured: `${rate(rps('streams'))} vs ${rate(rps('nest-redis'))} req/s = ${times(ratio(rps('streams'), rps('nest-redis')))}`,
        met: ratio(rps('streams'), rps('nest-redis')) >= 1.5,
      },
      {
        target: `(projection) with a core per replica ≥ 2.5x Nest's Redis transport`,
        measured: `${rate(recorder.median('streams', 'projectedRps'))} vs ${rate(recorder.median('nest-redis', 'projectedRps'))} req/s = ${times(ratio(recorder.median('streams', 'projectedRps'), recorder.median('nest-redis', 'projectedRps')))}`,
        met: ratio(recorder.median('streams', 'projectedRps'), recorder.median('nest-redis', 'projectedRps')) >= 2.5,
        note: 'projected from CPU time per request, not measured',
      },
      {
        target: `Streams handles each request once with ${REPLICAS} replicas`,
        measured: describeHandled(streamsHandled),
        met: everyRequestOnce(streamsHandled),
      },
      {
        target: `Streams throughput with ${REPLICAS} replicas ≥ Nest's NATS transport with a queue group`,
        ...('missing' in nats
          ? { measured: `skipped: ${nats.missing}`, met: null }
          : {
              measured: `${rate(rps('streams'))} vs ${rate(rps(NEST_NATS.id))} req/s = ${times(ratio(rps('streams'), rps(NEST_NATS.id)))}`,
              met: rps('streams') >= rps(NEST_NATS.id),
            }),
      },
      ...(natsServer
        ? [
            {
              target: `(check) Nest NATS with a queue group handles each request once with ${REPLICAS} replicas`,
              measured: describeHandled(natsHandled),
              met: everyRequestOnce(natsHandled),
              note: 'the comparison with NATS assumes it',
            },
          ]
        : []),
    ];
    const natsTable: Table[] = natsServer
      ? [
          sideBySide({
            title: `Why not just use NATS? ${REPLICAS} replicas of Nest’s NATS transport in one queue group beside Nest’s Redis transport and the platform’s`,
            subject: { id: NEST_NATS.id, name: 'Nest NATS' },
            others: [
              { id: 'nest-redis', name: 'Nest Redis' },
              { id: 'streams', name: 'Streams transport' },
            ],
            rows: [
              { label: `req/s at ${settings.concurrency} in flight`, value: rps, format: rate },
              { label: 'CPU per request, broker included (µs)', value: (id) => recorder.median(id, 'cpuUsPerRequest'), format: rate },
              { label: 'projected req/s, a core per replica', value: projected, format: rate },
              { label: 'times each request was handled', text: (id) => describeHandled(handled[id] ?? {}) },
            ],
          }),
        ]
      : [];
    return {
      status: 'ok',
      figures: recorder.figures(),
      extra: { handled, errors, nats: 'missing' in nats ? nats : { version: nats.version } },
      tables: [
        {
          columns: [
            'transport',
            `req/s at ${settings.concurrency} in flight`,
            'vs Nest Redis',
            'CPU per request (µs)',
            'busiest replica: CPU per request (µs)',
            'projected req/s, a core per replica',
            'times each request was handled',
            'busiest replica’s share',
            'errors',
          ],
          rows: [
            ...variants.map((variant) => [
              variant.label,
              rate(rps(variant.id)),
              times(ratio(rps(variant.id), rps('nest-redis'))),
              rate(recorder.median(variant.id, 'cpuUsPerRequest')),
              rate(recorder.median(variant.id, 'busiestReplicaCpuUs')),
              rate(recorder.median(variant.id, 'projectedRps')),
              describeHandled(handled[variant.id] ?? {}),
              `${Math.round(recorder.median(variant.id, 'busiestReplicaShare') * 100)}%`,
              String(errors[variant.id] ?? 0),
            ]),
            ...('missing' in nats ? [[NEST_NATS.label, `skipped: ${nats.missing}`, '', '', '', '', '', '', '']] : []),
            ['Nest TCP transport', 'n/a', '', '', '', '', 'a caller’s one connection reaches one replica', '', ''],
          ],
        },
        ...natsTable,
      ],
      notes: [
        `${REPLICAS} replicas share the same 2 cores as the caller and Redis, so replicas add no CPU here: ` +
          'the measured req/s shows the cost of the work each transport does per request, not scaling.',
        'Projected req/s, a core per replica: 1 s divided by the busiest replica’s CPU time per request, i.e. the rate at ' +
          'which the busiest replica would saturate a core of its own (caller and broker assumed not to be the bottleneck). ' +
          'On pub/sub every replica handles every request, so it cannot exceed one replica’s rate; on Streams, and on NATS ' +
          'with a queue group, each handles a share.',
        'CPU per request: caller, the replicas and the broker (redis-server; nats-server for Nest NATS). Nest NATS: the ' +
          'replicas subscribe in one queue group named after the service, so nats-server hands each request to one of them ' +
          '(core NATS: at most once; a request whose replica dies is lost, not redelivered).',
      ],
      targets,
    };
  },
};

/** "every request once (12,345)" or "3 times: 12,000; 2 times: 345". */
function describeHandled(histogram: Record<string, number>): string {
  const entries = Object.entries(histogram).sort(([a], [b]) => Number(b) - Number(a));
  if (entries.length === 0) return 'n/a';
  if (entries.length === 1) {
    const [count, requests] = entries[0]!;
    return `every request ${count === '1' ? 'once' : `${count} times`} (${rate(requests)} requests)`;
  }
  return entries.map(([count, requests]) => `${count}x: ${rate(requests)}`).join('; ');
}
