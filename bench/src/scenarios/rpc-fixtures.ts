import { freePort } from '@platform/testing';
import { Fixture } from '../fixture-process.js';
import { type FixtureTransport, WARMUP_TAG } from '../fixtures/echo.js';
import type { BenchSettings } from '../settings.js';

export interface TransportVariant {
  id: string;
  label: string;
  transport: FixtureTransport;
}

export const TRANSPORTS: readonly TransportVariant[] = [
  { id: 'raw', label: 'raw ioredis pub/sub ping-pong (floor)', transport: 'raw' },
  { id: 'raw-streams', label: 'raw ioredis Streams ping-pong (XADD / XREADGROUP / MULTI reply+XACK / XREAD)', transport: 'raw-streams' },
  { id: 'nest-redis', label: 'Nest Redis transport (pub/sub)', transport: 'redis' },
  { id: 'streams', label: 'Streams transport (@platform/streams-transport)', transport: 'redis-streams' },
  { id: 'nest-tcp', label: 'Nest TCP transport', transport: 'tcp' },
];

export interface LatencyFigures {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  sent: number;
  errors: number;
}

export interface ThroughputFigures {
  rps: number;
  /** CPU time of caller, servers and Redis per completed request. */
  cpuUsPerRequest: number;
  /** The same per process: the caller, then the `cpuPids` passed, in order. */
  cpuUsPerRequestByProcess: number[];
  completed: number;
  sent: number;
  errors: number;
}

/** `replicas` echo servers and one caller, all on `transport`, for the service `service`. */
export async function startEcho(
  variant: TransportVariant,
  { redisUrl, service, replicas, execArgv }: { redisUrl: string; service: string; replicas: number; execArgv?: (role: string) => string[] },
): Promise<{ servers: Fixture[]; client: Fixture }> {
  const tcpPort = variant.transport === 'tcp' ? String(await freePort()) : undefined;
  const env = { TRANSPORT: variant.transport, REDIS_URL: redisUrl, SERVICE: service, TCP_PORT: tcpPort };
  const servers = await Promise.all(
    Array.from({ length: replicas }, async (_, i) => {
      const { fixture } = await Fixture.start(`${variant.id} server ${i + 1}`, 'rpc-server', {
        env: { ...env, REPLICA: `${service}-${variant.id}-${i + 1}` },
        execArgv: execArgv?.(`${variant.id}-server-${i + 1}`),
      });
      return fixture;
    }),
  );
  const { fixture: client } = await Fixture.start(`${variant.id} client`, 'rpc-client', { env, execArgv: execArgv?.(`${variant.id}-client`) });
  return { servers, client };
}

/** Runs a variant's caller for `primeMs` before it is measured (see BenchSettings.primeMs). */
export async function prime(client: Fixture, settings: BenchSettings): Promise<void> {
  if (settings.primeMs <= 0) return;
  await client.call('throughput', { warmupMs: settings.primeMs, measureMs: 100, concurrency: settings.concurrency, tag: WARMUP_TAG });
}

/** startEcho for every variant at once (startup is most of a short run); all or none. */
export async function startEchoes(
  variants: readonly TransportVariant[],
  options: { redisUrl: string; service: string; replicas: number },
): Promise<Map<string, { servers: Fixture[]; client: Fixture }>> {
  const results = await Promise.allSettled(variants.map((variant) => startEcho(variant, options)));
  const started = new Map<string, { servers: Fixture[]; client: Fixture }>();
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') started.set(variants[i]!.id, result.value);
  });
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    await stopEchoes(started);
    throw (failure as PromiseRejectedResult).reason;
  }
  return started;
}

/** Stops every caller and server. */
export async function stopEchoes(echoes: ReadonlyMap<string, { servers: Fixture[]; client: Fixture }>): Promise<void> {
  await Promise.allSettled([...echoes.values()].flatMap(({ servers, client }) => [client].concat(servers)).map((fixture) => fixture.stop()));
}
