import { streamKeys } from '@platform/streams-transport';
import { Redis } from 'ioredis';
import type { Fixture } from '../fixture-process.js';
import { NatsServer } from '../nats-server.js';
import { keysHeld } from '../redis-keys.js';
import { ms, perRequest, rate, Recorder, rotation, type Table, type TargetCheck, times } from '../results.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../scenario.js';
import { sideBySide } from '../side-by-side.js';
import { ratio } from '../stats.js';
import {
  brokerPid,
  cpuProfiles,
  echoPattern,
  type LatencyFigures,
  NEST_NATS,
  prime,
  startEchoes,
  stopEchoes,
  STREAMS_RETRY_SAFE,
  type ThroughputFigures,
  TRANSPORTS,
  withNats,
} from './rpc-fixtures.js';
import { requestMemoryTable } from './rpc-request-memory.js';

const SERVICE = 'echo1';
// The retry-safe Streams variant right after the Streams transport, to read them side by side.
const REDIS_AND_TCP = TRANSPORTS.flatMap((variant) => (variant.id === 'streams' ? [variant, STREAMS_RETRY_SAFE] : [variant]));

/**
 * Issue 8 §1: one echo server and one caller per transport, in separate processes, all
 * running the whole time; each round measures every transport at 1 in flight (latency) and
 * at `concurrency` in flight (throughput), in a rotated order. The Streams transport is also
 * measured with its request memory on (retry-safe calls, a chosen id each), which prices the memory, and
 * Nest's NATS transport (queue group) beside them where the run has a nats-server (issue 16).
 */
export const rpcScenario: Scenario = {
  id: 'rpc',
  title: 'RPC request/response, one replica',
  async run(context: ScenarioContext): Promise<ScenarioOutcome> {
    const { settings } = context;
    const redisUrl = `${context.redis.url}/${context.allocateDb()}`;
    const nats = await context.nats();
    const natsServer = nats instanceof NatsServer ? nats : undefined;
    const variants = natsServer ? withNats(REDIS_AND_TCP) : REDIS_AND_TCP;
    if ('missing' in nats) context.log(`rpc: ${NEST_NATS.label} skipped: ${nats.missing}`);
    let echoes = new Map<string, { servers: Fixture[]; client: Fixture }>();
    // Counts the request ids the Streams servers remember, between windows.
    const probe = new Redis(redisUrl);
    const recorder = new Recorder();
    const errors: Record<string, number> = {};
    try {
      const clients = new Map<string, Fixture>();
      const cpuPids = new Map<string, number[]>();
      echoes = await startEchoes(variants, { redisUrl, natsUrl: natsServer?.url, service: SERVICE, replicas: 1, execArgv: cpuProfiles(settings, 'rpc') });
      for (const variant of variants) {
        const echo = echoes.get(variant.id)!;
        clients.set(variant.id, echo.client);
        // Each variant counts its broker's CPU time: redis-server, or nats-server for NATS. TCP
        // has none, but an idle redis-server costs next to nothing either way.
        const broker = brokerPid(variant, { redis: context.redisPid, nats: natsServer?.pid });
        cpuPids.set(variant.id, [...echo.servers.map((server) => server.pid), broker]);
      }
      for (const variant of variants) await prime(clients.get(variant.id)!, settings);
      for (let round = 0; round < settings.rounds; round++) {
        for (const variant of rotation(variants, round)) {
          const figures = await clients.get(variant.id)!.call<LatencyFigures>('latency', {
            warmupMs: settings.warmupMs,
            measureMs: settings.measureMs,
            tag: `latency-${round}`,
          });
          recorder.add(variant.id, 'p50', figures.p50, 'ms');
          recorder.add(variant.id, 'p99', figures.p99, 'ms');
          errors[variant.id] = (errors[variant.id] ?? 0) + figures.errors;
        }
        for (const variant of rotation(variants, round + 1)) {
          const figures = await clients.get(variant.id)!.call<ThroughputFigures>('throughput', {
            warmupMs: settings.warmupMs,
            measureMs: settings.measureMs,
            concurrency: settings.concurrency,
            tag: `throughput-${round}`,
            cpuPids: cpuPids.get(variant.id),
            // NATS sends no Redis command: the server-wide count would be the idle variants' reads.
            countRedisCommands: variant.transport !== 'nats',
          });
          recorder.add(variant.id, 'rps', figures.rps, 'req/s');
          recorder.add(variant.id, 'cpuUsPerRequest', figures.cpuUsPerRequest, 'µs');
          // Caller, server, broker: which side a transport's cost sits on.
          const [callerUs, serverUs, brokerUs] = figures.cpuUsPerRequestByProcess;
          recorder.add(variant.id, 'callerCpuUs', callerUs ?? Number.NaN, 'µs');
          recorder.add(variant.id, 'serverCpuUs', serverUs ?? Number.NaN, 'µs');
          recorder.add(variant.id, 'brokerCpuUs', brokerUs ?? Number.NaN, 'µs');
          recorder.add(variant.id, 'redisCommandsPerRequest', figures.redisCommandsPerRequest ?? Number.NaN, 'commands');
          errors[variant.id] = (errors[variant.id] ?? 0) + figures.errors;
          if (variant.transport === 'redis-streams') {
            // Right after the window: what the last seconds of requests left remembered.
            const held = await keysHeld(probe, streamKeys().handled(echoPattern(variant, SERVICE), '*'));
            recorder.add(variant.id, 'handledKeys', held.keys, 'keys');
            recorder.add(variant.id, 'handledKeyBytes', held.bytesPerKey, 'bytes');
          }
        }
        context.log(`rpc: round ${round + 1}/${settings.rounds} done`);
      }
    } finally {
      probe.disconnect();
      await stopEchoes(echoes);
    }

    const p50 = (id: string) => recorder.median(id, 'p50');
    const rps = (id: string) => recorder.median(id, 'rps');
    const cpu = (id: string) => recorder.median(id, 'cpuUsPerRequest');
    // Issue 16's targets for the platform's request transport, against Nest's Redis transport.
    const targets: TargetCheck[] = [
      {
        target: "p50 at 1 in flight ≤ Nest's Redis transport",
        measured: `${ms(p50('streams'))} ms vs ${ms(p50('nest-redis'))} ms = ${times(ratio(p50('streams'), p50('nest-redis')))}`,
        met: p50('streams') <= p50('nest-redis'),
      },
      {
        target: `req/s at ${settings.concurrency} in flight ≥ 1.0x Nest's Redis transport`,
        measured: `${rate(rps('streams'))} vs ${rate(rps('nest-redis'))} req/s = ${times(ratio(rps('streams'), rps('nest-redis')))}`,
        met: rps('streams') >= rps('nest-redis'),
      },
      {
        target: 'CPU per request (caller, server and Redis) ≤ 110 µs',
        measured: `${rate(cpu('streams'))} µs (Nest's Redis transport ${rate(cpu('nest-redis'))} µs)`,
        met: cpu('streams') <= 110,
      },
    ];
    const figures = recorder.figures();
    const natsTable: Table[] = natsServer
      ? [
          sideBySide({
            title: 'Why not just use NATS? Nest’s NATS transport (queue group) beside Nest’s Redis transport and the platform’s',
            subject: { id: NEST_NATS.id, name: 'Nest NATS' },
            others: [
              { id: 'nest-redis', name: 'Nest Redis' },
              { id: 'streams', name: 'Streams transport' },
            ],
            rows: [
              { label: 'p50 at 1 in flight (ms)', value: p50, format: ms },
              { label: `req/s at ${settings.concurrency} in flight`, value: rps, format: rate },
              { label: 'CPU per request, broker included (µs)', value: cpu, format: rate },
            ],
          }),
        ]
      : [];
    return {
      status: 'ok',
      figures,
      extra: { errors, nats: 'missing' in nats ? nats : { version: nats.version } },
      tables: [
        {
          columns: [
            'transport',
            'p50 (ms)',
            'p99 (ms)',
            'p50 vs floor',
            `req/s at ${settings.concurrency} in flight`,
            'vs Nest Redis',
            'CPU per request (µs)',
            'Redis commands per request',
            'errors',
          ],
          rows: [
            ...variants.map((variant) => [
              variant.label,
              ms(p50(variant.id)),
              ms(recorder.median(variant.id, 'p99')),
              times(ratio(p50(variant.id), p50('raw'))),
              rate(rps(variant.id)),
              times(ratio(rps(variant.id), rps('nest-redis'))),
              rate(recorder.median(variant.id, 'cpuUsPerRequest')),
              perRequest(recorder.median(variant.id, 'redisCommandsPerRequest')),
              String(errors[variant.id] ?? 0),
            ]),
            ...('missing' in nats ? [[NEST_NATS.label, `skipped: ${nats.missing}`, '', '', '', '', '', '', '']] : []),
          ],
        },
        ...natsTable,
        {
          title: `CPU per request at ${settings.concurrency} in flight, by process (µs)`,
          columns: ['transport', 'caller', 'server', 'broker (redis-server; nats-server for NATS)', 'all'],
          rows: variants.map((variant) =>
            [variant.label].concat((['callerCpuUs', 'serverCpuUs', 'brokerCpuUs', 'cpuUsPerRequest'] as const).map((name) => rate(recorder.median(variant.id, name)))),
          ),
        },
        requestMemoryTable(recorder, settings.concurrency),
      ],
      notes: [
        'p50/p99: one call in flight, client-side, medians over rounds of each round’s percentile. ' +
          'Every variant crosses two processes; the Redis ones also cross redis-server (the run’s own), ' +
          'Nest NATS crosses nats-server (the run’s own, core NATS: at most once, nothing kept).',
        'CPU per request: user+system CPU time of caller, server and the broker (redis-server; nats-server for Nest NATS) ' +
          'during the throughput window, divided by the requests completed. Other work on the machine steals wall time, ' +
          'not CPU time, so this is the steadiest figure here; on a dedicated machine, throughput is bounded by cores / CPU per request.',
        ...(natsServer
          ? [
              'Nest NATS: Nest’s own NATS transport, the server subscribed in a queue group named after the service (load-balanced ' +
                'request/response, as with several replicas), its client traced like the others. Its ratios read `NATS ÷ other`: ' +
                'above 1x it is slower in p50 and CPU, faster in req/s.',
            ]
          : []),
        'Redis commands per request: INFO commandstats of the run’s redis-server at the edges of the throughput window, ' +
          'divided by the requests completed; blocking reads return with several entries under load, so a transport that ' +
          'batches pays less than one read per request. A script counts once, plus every command it runs. The other ' +
          'variants sit idle meanwhile (a blocking read a second or so).',
        'Request memory: for a request id its caller chose (a retry-safe call), the Streams client records the id as ' +
          'running as it appends the request (one script: `GET`, `XADD`, `SET`), and the server records the replies in the ' +
          'reply’s call, kept until the deadline plus 1 s here; a random id (a plain `send`) is recorded by nobody, as it ' +
          'cannot come again. Ids remembered: ' +
          'the `streams:handled:<pattern>:*` keys of the variant right after its throughput window, and MEMORY USAGE of one.',
      ],
      targets,
    };
  },
};
