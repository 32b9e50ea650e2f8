import { freePort } from '@platform/testing';
import { Fixture } from '../fixture-process.js';
import { type FixtureTransport, WARMUP_TAG } from '../fixtures/echo.js';
import { cpuProfileFlags } from '../paths.js';
import type { BenchSettings } from '../settings.js';

export interface TransportVariant {
  id: string;
  label: string;
  transport: FixtureTransport;
  /** Env for the variant's server and caller on top of the transport's (e.g. CHOSEN_IDS, see rpc-client.ts). */
  env?: Record<string, string>;
  /**
   * Appended to the echo service's name. A variant on the same transport as another needs it:
   * one name would give both one request stream and one consumer group, each server taking
   * the other's requests.
   */
  serviceSuffix?: string;
}

export const TRANSPORTS: readonly TransportVariant[] = [
  { id: 'raw', label: 'raw ioredis pub/sub ping-pong (floor)', transport: 'raw' },
  { id: 'raw-streams', label: 'raw ioredis Streams ping-pong (XADD / XREADGROUP / MULTI reply+XACK / XREAD)', transport: 'raw-streams' },
  { id: 'nest-redis', label: 'Nest Redis transport (pub/sub)', transport: 'redis' },
  { id: 'streams', label: 'Streams transport (@platform/streams-transport)', transport: 'redis-streams' },
  { id: 'nest-tcp', label: 'Nest TCP transport', transport: 'tcp' },
];

/**
 * Nest's NATS transport with the servers in one queue group: load-balanced request/response,
 * what a user would pick instead of the platform's transport. Run only where the bench found
 * a nats-server (see nats-server.ts); it answers "why not just use NATS?" with figures.
 */
export const NEST_NATS: TransportVariant = { id: 'nest-nats', label: 'Nest NATS transport (queue group)', transport: 'nats' };

/**
 * The Streams transport with its request memory on: each call carries a request id its caller
 * chose (as a retry under an Idempotency-Key does), so the client records it as running when
 * it appends the request (one script) and the server records the replies in the reply's
 * call. Beside `streams` (random ids, which nobody records), it prices the memory.
 */
export const STREAMS_RETRY_SAFE: TransportVariant = {
  id: 'streams-retry-safe',
  label: 'Streams transport, retry-safe calls (a chosen request id each: request memory on)',
  transport: 'redis-streams',
  env: { CHOSEN_IDS: '1' },
  serviceSuffix: '-retry-safe',
};

/** `variants` with NEST_NATS right after Nest's Redis transport, to read the two side by side. */
export function withNats(variants: readonly TransportVariant[]): TransportVariant[] {
  return variants.flatMap((variant) => (variant.id === 'nest-redis' ? [variant, NEST_NATS] : [variant]));
}

/** The process of the broker a variant's requests cross, whose CPU time counts towards them. */
export function brokerPid(variant: TransportVariant, pids: { redis: number; nats?: number }): number {
  if (variant.transport !== 'nats') return pids.redis;
  if (pids.nats === undefined) throw new Error(`${variant.id} needs the run's nats-server`);
  return pids.nats;
}

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
  /**
   * Commands redis-server ran per completed request during the window (INFO commandstats, the
   * whole server: idle variants add their few blocking reads), when asked for.
   */
  redisCommandsPerRequest?: number;
}

/** The echo service a variant's server answers as (the scenario's `service`, with the variant's suffix). */
export function echoService(variant: TransportVariant, service: string): string {
  return `${service}${variant.serviceSuffix ?? ''}`;
}

/** The message pattern the echo fixtures use (rpc-server.ts, rpc-client.ts). */
export function echoPattern(variant: TransportVariant, service: string): string {
  return `${echoService(variant, service)}.echo`;
}

export interface EchoOptions {
  redisUrl: string;
  /** The run's nats-server, for the NATS variant. */
  natsUrl?: string;
  service: string;
  replicas: number;
  execArgv?: (role: string) => string[];
}

/** With BENCH_CPU_PROF, the echo fixtures' node flags: a CPU profile per process, under `<dir>/<scenario>-<role>/`. */
export function cpuProfiles(settings: BenchSettings, scenario: string): EchoOptions['execArgv'] {
  const { cpuProfDir } = settings;
  return cpuProfDir ? (role) => cpuProfileFlags(cpuProfDir, `${scenario}-${role}`) : undefined;
}

/** `replicas` echo servers and one caller, all on `transport`, for the service `service`. */
export async function startEcho(
  variant: TransportVariant,
  { redisUrl, natsUrl, service, replicas, execArgv }: EchoOptions,
): Promise<{ servers: Fixture[]; client: Fixture }> {
  if (variant.transport === 'nats' && !natsUrl) throw new Error(`${variant.id} needs the run's nats-server`);
  const tcpPort = variant.transport === 'tcp' ? String(await freePort()) : undefined;
  const name = echoService(variant, service);
  const env = { TRANSPORT: variant.transport, REDIS_URL: redisUrl, NATS_URL: natsUrl, SERVICE: name, TCP_PORT: tcpPort, ...variant.env };
  const servers = await Promise.all(
    Array.from({ length: replicas }, async (_, i) => {
      const { fixture } = await Fixture.start(`${variant.id} server ${i + 1}`, 'rpc-server', {
        env: { ...env, REPLICA: `${name}-${variant.id}-${i + 1}` },
        execArgv: execArgv?.(`${variant.id}-server-${i + 1}`),
      });
      return fixture;
    }),
  );
  const { fixture: client } = await Fixture.start(`${variant.id} client`, 'rpc-client', { env, execArgv: execArgv?.(`${variant.id}-client`) });
  return { servers, client };
}

/** Runs a variant's caller for `primeMs` before it is measured (see BenchSettings.primeMs). */
export async function prime(client: Fixture, settings: Pick<BenchSettings, 'primeMs' | 'concurrency'>): Promise<void> {
  if (settings.primeMs <= 0) return;
  await client.call('throughput', { warmupMs: settings.primeMs, measureMs: 100, concurrency: settings.concurrency, tag: WARMUP_TAG });
}

/** startEcho for every variant at once (startup is most of a short run); all or none. */
export async function startEchoes(
  variants: readonly TransportVariant[],
  options: EchoOptions,
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
