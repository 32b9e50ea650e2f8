import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpOutcome, type HttpOutcome, scrapeMetric, type ServiceGroup, type ServiceProcess, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';

/** The request stream of `GET /test1` (catalog.hello) and the group that reads it. */
const HELLO_STREAM = 'streams:rpc:catalog.hello';
const CATALOG_GROUP = 'catalog';

/** The sum of the samples of `metric` whose labels include `labels`, in one service's /metrics. */
export function sumSamples(service: ServiceProcess, metric: string, labels: Record<string, string>): Promise<number> {
  return scrapeMetric(service.url, metric, labels);
}

/** How many requests of `pattern` a service's RPC server handled (every outcome). */
export function handledRequests(service: ServiceProcess, pattern: string): Promise<number> {
  return sumSamples(service, 'rpc_server_duration_seconds_count', { pattern, kind: 'request' });
}

/** How many events of `pattern` a service handled successfully. */
export function handledEvents(service: ServiceProcess, pattern: string): Promise<number> {
  return sumSamples(service, 'rpc_server_duration_seconds_count', { pattern, kind: 'event', outcome: 'ok' });
}

/** Every running replica of a service in a group: `name`, `name-2`, ... */
export function replicasOf(group: ServiceGroup, name: string): ServiceProcess[] {
  return [...group.services].filter(([key, service]) => (key === name || key.startsWith(`${name}-`)) && !service.process.hasExited).map(([, service]) => service);
}

/** How many seed.ping events a service handled, over all its running replicas (each event goes to one of them). */
export async function pingsHandled(group: ServiceGroup, name: string): Promise<number> {
  const counts = await Promise.all(replicasOf(group, name).map((replica) => handledEvents(replica, 'seed.ping')));
  return counts.reduce((a, b) => a + b, 0);
}

/** A figure measured by a resilience test, printed so a run's output shows it (see docs/transports.md). */
export function reportFigure(name: string, value: string): void {
  process.stdout.write(`[resilience] ${name}: ${value}\n`);
}

/**
 * What a Kubernetes Service does for its clients, on loopback: it sends each request to a
 * replica whose readiness probe passes, polled every `probeIntervalMs` (a kubelet probes every
 * few seconds and endpoint removal takes a moment more; SHUTDOWN_DELAY_MS covers that lag).
 */
export class ReadinessBalancer {
  private readonly ready = new Set<ServiceProcess>();
  private readonly timer: NodeJS.Timeout;
  private turn = 0;

  private constructor(
    private readonly replicas: ServiceProcess[],
    probeIntervalMs: number,
  ) {
    for (const replica of replicas) this.ready.add(replica);
    this.timer = setInterval(() => void this.probe(), probeIntervalMs);
  }

  static start(replicas: ServiceProcess[], probeIntervalMs = 100): ReadinessBalancer {
    return new ReadinessBalancer(replicas, probeIntervalMs);
  }

  /** A GET on the next ready replica (round robin); status 0 when none is ready. */
  async get(path: string, timeoutMs = 30_000): Promise<HttpOutcome & { replica: string }> {
    const candidates = this.replicas.filter((replica) => this.ready.has(replica));
    const replica = candidates[this.turn++ % Math.max(candidates.length, 1)];
    if (!replica) return { status: 0, body: undefined, error: 'no ready replica', durationMs: 0, replica: '' };
    return { ...(await httpOutcome(`${replica.url}${path}`, { timeoutMs })), replica: replica.url };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async probe(): Promise<void> {
    await Promise.all(this.replicas.map(async (replica) => {
      const { status } = await httpOutcome(`${replica.url}/health/ready`, { timeoutMs: 1_000 });
      if (status === 200) this.ready.add(replica);
      else this.ready.delete(replica);
    }));
  }
}

/** The pid of a service process (its replies name their instance as `host:pid`). */
export function pidOf(service: ServiceProcess): number {
  const pid = service.process.pid;
  if (pid === undefined) throw new Error(`${service.name} has no pid`);
  return pid;
}

/** catalog.hello requests Redis handed to `replica`'s consumer that it has not acknowledged. */
export async function pendingOf(redis: Redis, replica: ServiceProcess): Promise<number> {
  const summary = (await redis.xpending(HELLO_STREAM, CATALOG_GROUP)) as [number, unknown, unknown, Array<[string, string]> | null];
  // Consumers are named <hostname>-<pid> by default.
  const consumer = `${hostname()}-${pidOf(replica)}`;
  return Number(summary[3]?.find(([name]) => name === consumer)?.[1] ?? 0);
}

/**
 * Freezes a catalog replica (SIGSTOP) at a moment when it holds at least one catalog.hello
 * request, under load; resolves with how many it holds. A frozen process whose read was
 * already blocked in Redis still receives entries (Redis assigns them and writes the reply to
 * its socket); one frozen between two reads gets none, so it is thawed and tried again.
 */
export async function freezeHoldingWork(redis: Redis, replica: ServiceProcess): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    replica.pause();
    const held = await waitFor('the frozen replica to hold requests', async () => (await pendingOf(redis, replica)) || undefined, { timeoutMs: 2_000 }).catch(() => 0);
    if (held > 0) return held;
    replica.resume();
    await sleep(100);
  }
  throw new Error(`${replica.name} never held a request while frozen`);
}

/** The pid in a seed reply's `instance` (`host:pid`). */
export function answeredBy(body: unknown): number {
  return Number(String((body as { instance?: string } | undefined)?.instance).split(':').at(-1));
}

/** catalog.hello requests ever added to their stream (XLEN drops as answered entries are deleted). */
export async function helloRequestsSent(redis: Redis): Promise<number> {
  const info = (await redis.xinfo('STREAM', HELLO_STREAM)) as unknown[];
  return Number(info[info.indexOf('entries-added') + 1]);
}
