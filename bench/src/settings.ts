import { resolve } from 'node:path';
import { benchDir } from './paths.js';

export const SCENARIOS = [
  'rpc',
  'replicas',
  'counters',
  'redis-decoder',
  // @example-begin: the example domain's scenarios (the services, end to end)
  'http',
  'queues',
  'cache',
  'login',
  'idempotency',
  'observability',
  // @example-end
] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export type BenchMode = 'full' | 'quick' | 'smoke';

export interface BenchSettings {
  mode: BenchMode;
  /** Every variant is measured once per round; figures are medians over rounds. */
  rounds: number;
  /** Load on every variant once before round 1: a fresh process runs slow for seconds while V8 optimises it. */
  primeMs: number;
  /**
   * Load on each HTTP route of a platform stack before round 1, instead of `primeMs`: a stack's
   * CPU per request (gateway, catalog, Redis) settles only after 10-15 s of load while V8
   * optimises three processes (bench/analysis.md, HTTP), and users' processes run warm.
   */
  stackPrimeMs: number;
  /** Load before every measured window (JIT, connection pools, caches), not counted. */
  warmupMs: number;
  /** Length of one measured window of an RPC or queue variant. */
  measureMs: number;
  /** Length of one measured autocannon window. */
  httpMeasureMs: number;
  /** Requests in flight for throughput figures (RPC callers, autocannon connections). */
  concurrency: number;
  /** Concurrent misses on one key in the stampede. */
  stampede: number;
  outDir: string;
  only: ReadonlySet<ScenarioId>;
  /** When set, every service process writes a V8 CPU profile here (--cpu-prof). */
  cpuProfDir: string | undefined;
}

const DURATIONS: Record<BenchMode, Pick<BenchSettings, 'rounds' | 'primeMs' | 'stackPrimeMs' | 'warmupMs' | 'measureMs' | 'httpMeasureMs'>> = {
  // ~15 minutes on 2 shared cores.
  full: { rounds: 5, primeMs: 3_000, stackPrimeMs: 12_000, warmupMs: 500, measureMs: 2_500, httpMeasureMs: 4_000 },
  // 2-3 minutes (most of it starting ~45 processes): every scenario and variant, one short round.
  quick: { rounds: 1, primeMs: 500, stackPrimeMs: 5_000, warmupMs: 200, measureMs: 500, httpMeasureMs: 700 },
  // The harness check of `npm test`: one tiny iteration of everything, figures meaningless.
  smoke: { rounds: 1, primeMs: 0, stackPrimeMs: 0, warmupMs: 100, measureMs: 200, httpMeasureMs: 300 },
};

function positiveNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}=${raw} must be a positive whole number`);
  return value;
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value);
}

/**
 * The run's settings from the environment: BENCH_QUICK=1 (a 1-2 minute run), BENCH_SMOKE=1
 * (the harness check), BENCH_ROUNDS, BENCH_ONLY=rpc,http,..., BENCH_OUT (where RESULTS.md and
 * results.json go), BENCH_CPU_PROF=<dir> (profile every service process and RPC echo fixture).
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const mode: BenchMode = truthy(env.BENCH_SMOKE) ? 'smoke' : truthy(env.BENCH_QUICK) ? 'quick' : 'full';
  const only = (env.BENCH_ONLY ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = only.filter((id) => !(SCENARIOS as readonly string[]).includes(id));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
  const durations = DURATIONS[mode];
  return {
    mode,
    ...durations,
    rounds: positiveNumber('BENCH_ROUNDS', env.BENCH_ROUNDS) ?? durations.rounds,
    concurrency: 64,
    stampede: 200,
    // A partial or shortened run never overwrites the committed report.
    outDir: resolve(env.BENCH_OUT ?? (mode === 'full' && only.length === 0 ? benchDir : resolve(benchDir, `.results-${mode}`))),
    only: new Set((only.length > 0 ? only : SCENARIOS) as ScenarioId[]),
    cpuProfDir: env.BENCH_CPU_PROF ? resolve(env.BENCH_CPU_PROF) : undefined,
  };
}
