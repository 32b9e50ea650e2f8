import { freePort } from '@platform/testing';
import { Fixture } from '../fixture-process.js';
import { waitForIdle } from '../cpu.js';
import type { AutocannonArgs, AutocannonFigures } from '../fixtures/http-load.js';
import type { Recorder } from '../results.js';
import type { BenchSettings } from '../settings.js';

/** A bare hello-world server fixture (hello-nest or hello-fastify) on a free port. */
export async function startHello(entry: 'hello-nest' | 'hello-fastify'): Promise<{ fixture: Fixture; url: string }> {
  const port = await freePort();
  const { fixture } = await Fixture.start(entry, entry, { env: { PORT: String(port) } });
  return { fixture, url: `http://127.0.0.1:${port}/hello` };
}

export async function startLoad(): Promise<Fixture> {
  return (await Fixture.start('http-load', 'http-load')).fixture;
}

/** Fails fast when a URL does not answer 2xx before the bench loads it. */
export async function expectOk(url: string, init?: RequestInit): Promise<void> {
  const response = await fetch(url, init);
  if (response.status >= 300) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${response.status}: ${await response.text()}`);
}

/** Load on a platform stack's route before round 1, for `settings.stackPrimeMs` (see BenchSettings). */
export async function primeStackRoute(load: Fixture, settings: BenchSettings, url: string): Promise<void> {
  if (settings.stackPrimeMs > 0) await load.call('autocannon', { url, connections: settings.concurrency, durationMs: settings.stackPrimeMs });
}

/** One warm-up and one measured autocannon window; records rps, p50 and p99 for `variant`. */
export async function measureHttp(
  load: Fixture,
  recorder: Recorder,
  variant: string,
  settings: BenchSettings,
  args: Omit<AutocannonArgs, 'durationMs' | 'connections'> & { connections?: number },
): Promise<AutocannonFigures> {
  const connections = args.connections ?? settings.concurrency;
  if (args.cpuPids) await waitForIdle(args.cpuPids);
  await load.call<AutocannonFigures>('autocannon', { ...args, connections, durationMs: settings.warmupMs });
  const figures = await load.call<AutocannonFigures>('autocannon', { ...args, connections, durationMs: settings.httpMeasureMs });
  recorder.add(variant, 'rps', figures.rps, 'req/s');
  recorder.add(variant, 'p50', figures.p50, 'ms');
  recorder.add(variant, 'p99', figures.p99, 'ms');
  recorder.add(variant, 'failed', figures.non2xx + figures.errors + figures.timeouts, 'requests');
  if (args.cpuPids) recorder.add(variant, 'cpuUsPerRequest', figures.cpuUsPerRequest, 'µs');
  // `cpuUs:<i>`: the share of the i-th of `cpuPids`, to tell which process a cost sits in.
  figures.cpuUsPerRequestByProcess.forEach((us, i) => recorder.add(variant, `cpuUs:${i}`, us, 'µs'));
  return figures;
}
