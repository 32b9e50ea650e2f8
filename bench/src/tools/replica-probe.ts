/**
 * What one echo replica allocates, collects and asks of the kernel per request, transport by
 * transport: the figures behind "what a replica allocates" in analysis.md (the tenth run).
 * Each variant gets one replica (the rpc-server fixture, with --trace-gc-nvp) and one caller,
 * on a redis-server and a nats-server of the probe's own; with `perf` on the PATH the replica's
 * system calls are counted too (perf stat). Rounds alternate the variants, as the bench does.
 *
 * Usage: node bench/dist/tools/replica-probe.js [variant ids, comma-separated; streams,nest-nats]
 * Env: PROBE_CONCURRENCY (21: a third of the replicas scenario's 64 in flight, what each of
 * its 3 replicas serves), PROBE_MEASURE_MS (4000), PROBE_ROUNDS (3).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '@platform/testing';
import type { Fixture } from '../fixture-process.js';
import { LazyNatsServer, NatsServer } from '../nats-server.js';
import { rotation } from '../results.js';
import { NEST_NATS, prime, STREAMS_RETRY_SAFE, startEchoes, stopEchoes, type ThroughputFigures, TRANSPORTS, type TransportVariant } from '../scenarios/rpc-fixtures.js';
import { median } from '../stats.js';

export interface GcFigures {
  collections: number;
  allocatedBytes: number;
  survivedBytes: number;
  pauseMs: number;
}

/**
 * Sums the collections V8 reported with --trace-gc-nvp in `text`: one line per collection, with
 * `pause=<ms>`, `allocated=<bytes since the last one>` and `new_space_survived=<bytes>`. A line
 * cut off at the end of `text` is left out.
 */
export function gcFigures(text: string): GcFigures {
  const figures: GcFigures = { collections: 0, allocatedBytes: 0, survivedBytes: 0, pauseMs: 0 };
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  for (const line of complete.split('\n')) {
    const pause = field(line, 'pause');
    if (pause === undefined || !/\bgc=/.test(line)) continue;
    figures.collections++;
    figures.pauseMs += pause;
    figures.allocatedBytes += field(line, 'allocated') ?? 0;
    figures.survivedBytes += field(line, 'new_space_survived') ?? 0;
  }
  return figures;
}

function field(line: string, name: string): number | undefined {
  const value = new RegExp(`(?:^|\\s)${name}=([\\d.]+)`).exec(line)?.[1];
  return value === undefined ? undefined : Number(value);
}

/** Counts per event from `perf stat -x ,` output (`<count>,<unit>,<event>,...`); events perf could not count are left out. */
export function perfCounts(csv: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of csv.split('\n')) {
    if (line.startsWith('#')) continue;
    const [count, , event] = line.split(',');
    if (!event || !count || !/^\d+$/.test(count)) continue;
    counts[event] = (counts[event] ?? 0) + Number(count);
  }
  return counts;
}

const SYSCALL_EVENTS = { all: 'raw_syscalls:sys_enter', write: 'syscalls:sys_enter_write', writev: 'syscalls:sys_enter_writev' };

/** Counts a process's system calls while `work` runs, when perf can; undefined otherwise. */
async function countSyscalls<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; counts?: Record<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'replica-probe-'));
  const output = join(dir, 'perf.csv');
  const perf = spawn('perf', ['stat', '-x', ',', '-o', output, '-e', Object.values(SYSCALL_EVENTS).join(','), '-p', String(pid)], { stdio: 'ignore' });
  const exited = new Promise<boolean>((resolve) => {
    perf.once('error', () => resolve(false));
    perf.once('exit', () => resolve(true));
  });
  try {
    // perf attaches to the process shortly after it starts.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = await work();
    perf.kill('SIGINT');
    const counted = await exited;
    let counts: Record<string, number> | undefined;
    try {
      counts = counted ? perfCounts(readFileSync(output, 'utf8')) : undefined;
    } catch {
      counts = undefined;
    }
    return { result, counts: counts && SYSCALL_EVENTS.all in counts ? counts : undefined };
  } finally {
    perf.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

interface RoundFigures {
  rps: number;
  replicaCpuUs: number;
  allocatedBytes: number;
  survivedBytes: number;
  pauseUs: number;
  syscalls?: number;
  writes?: number;
}

/** One window of `measureMs`: the caller's figures, the replica's collections and system calls, per request. */
async function measure(server: Fixture, client: Fixture, round: number, settings: ProbeSettings, withPerf: boolean): Promise<RoundFigures> {
  let trace = '';
  const stopListening = server.onOutput((text) => (trace += text));
  try {
    const run = () =>
      client.call<ThroughputFigures>('throughput', {
        // No warm-up inside the window (the JIT was warmed at the start): the trace and perf
        // cover the whole call, and the requests counted must be the ones they saw.
        warmupMs: 0,
        measureMs: settings.measureMs,
        concurrency: settings.concurrency,
        tag: `probe-${round}`,
        cpuPids: [server.pid],
      });
    const { result: figures, counts } = withPerf ? await countSyscalls(server.pid, run) : { result: await run(), counts: undefined };
    const gc = gcFigures(trace);
    const perRequest = (value: number) => value / figures.completed;
    return {
      rps: figures.rps,
      replicaCpuUs: figures.cpuUsPerRequestByProcess[1]!,
      allocatedBytes: perRequest(gc.allocatedBytes),
      survivedBytes: perRequest(gc.survivedBytes),
      pauseUs: perRequest(gc.pauseMs * 1_000),
      ...(counts && {
        syscalls: perRequest(counts[SYSCALL_EVENTS.all]!),
        writes: perRequest((counts[SYSCALL_EVENTS.write] ?? 0) + (counts[SYSCALL_EVENTS.writev] ?? 0)),
      }),
    };
  } finally {
    stopListening();
  }
}

interface ProbeSettings {
  concurrency: number;
  measureMs: number;
  rounds: number;
}

async function probe(variants: readonly TransportVariant[], settings: ProbeSettings): Promise<Map<string, RoundFigures[]>> {
  const withPerf = spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!withPerf) console.log('perf is not on the PATH: system calls are not counted');
  const redis = await RedisServer.start();
  const nats = new LazyNatsServer();
  let echoes = new Map<string, { servers: Fixture[]; client: Fixture }>();
  try {
    const natsServer = variants.some((variant) => variant.transport === 'nats') ? await nats.get() : undefined;
    if (natsServer && !(natsServer instanceof NatsServer)) throw new Error(`${NEST_NATS.id} needs a nats-server: ${natsServer.missing}`);
    echoes = await startEchoes(variants, {
      redisUrl: redis.url,
      natsUrl: natsServer?.url,
      service: 'probe',
      replicas: 1,
      execArgv: (role) => (role.includes('-server-') ? ['--trace-gc-nvp'] : []),
    });
    // Warm the JIT before anything is measured.
    for (const { client } of echoes.values()) await prime(client, { primeMs: 3_000, concurrency: settings.concurrency });
    const rounds = new Map<string, RoundFigures[]>(variants.map((variant) => [variant.id, []]));
    for (let round = 0; round < settings.rounds; round++) {
      for (const variant of rotation(variants, round)) {
        const { servers, client } = echoes.get(variant.id)!;
        rounds.get(variant.id)!.push(await measure(servers[0]!, client, round, settings, withPerf));
      }
    }
    return rounds;
  } finally {
    await stopEchoes(echoes);
    await nats.stop();
    await redis.destroy();
  }
}

const COLUMNS: Array<[keyof RoundFigures, string, number]> = [
  ['rps', 'req/s', 0],
  ['replicaCpuUs', 'replica CPU µs', 1],
  ['allocatedBytes', 'bytes allocated', 0],
  ['survivedBytes', 'bytes surviving a scavenge', 0],
  ['pauseUs', 'GC pause µs', 2],
  ['syscalls', 'system calls', 2],
  ['writes', 'socket writes', 2],
];

function report(rounds: ReadonlyMap<string, RoundFigures[]>): string {
  const lines = [`| per request (medians of ${[...rounds.values()][0]?.length ?? 0} rounds) | ${[...rounds.keys()].join(' | ')} |`, `|---|${[...rounds.keys()].map(() => '---:').join('|')}|`];
  for (const [key, label, digits] of COLUMNS) {
    const cells = [...rounds.values()].map((figures) => {
      const values = figures.map((figure) => figure[key]).filter((value): value is number => value !== undefined);
      return values.length > 0 ? median(values).toFixed(digits) : '-';
    });
    lines.push(`| ${key === 'rps' ? 'req/s (the whole variant)' : label} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const known = [...TRANSPORTS, NEST_NATS, STREAMS_RETRY_SAFE];
  const ids = (process.argv[2] ?? 'streams,nest-nats').split(',');
  const variants = ids.map((id) => known.find((variant) => variant.id === id));
  if (variants.some((variant) => !variant)) {
    console.error(`usage: node bench/dist/tools/replica-probe.js [ids]; ids from: ${known.map((variant) => variant.id).join(', ')}`);
    process.exit(2);
  }
  const settings: ProbeSettings = {
    concurrency: Number(process.env.PROBE_CONCURRENCY ?? 21),
    measureMs: Number(process.env.PROBE_MEASURE_MS ?? 4_000),
    rounds: Number(process.env.PROBE_ROUNDS ?? 3),
  };
  console.log(report(await probe(variants as TransportVariant[], settings)));
  process.exit(0);
}
