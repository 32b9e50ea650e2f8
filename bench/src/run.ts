/**
 * `make bench`: runs the scenarios of issue 8 against a redis-server of its own and writes
 * RESULTS.md and results.json (see settings.ts for the env switches).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { RedisServer } from '@platform/testing';
import { describeMachine } from './machine.js';
import { LazyNatsServer, NatsServer } from './nats-server.js';
import { renderReport, type RunResults } from './report.js';
import type { ScenarioResult } from './results.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';
import { cacheScenario } from './scenarios/cache.js'; // @example
import { countersScenario } from './scenarios/counters.js';
import { httpScenario } from './scenarios/http.js'; // @example
import { idempotencyScenario } from './scenarios/idempotency.js'; // @example
import { loginScenario } from './scenarios/login.js'; // @example
import { observabilityScenario } from './scenarios/observability.js'; // @example
import { queuesScenario } from './scenarios/queues.js'; // @example
import { redisDecoderScenario } from './scenarios/redis-decoder.js';
import { replicasScenario } from './scenarios/replicas.js';
import { rpcScenario } from './scenarios/rpc.js';
import { settingsFromEnv } from './settings.js';

/** The platform's own scenarios (transports, counters), then the example domain's (the services, end to end). */
const SCENARIOS: Scenario[] = [
  rpcScenario,
  replicasScenario,
  countersScenario,
  redisDecoderScenario,
  // @example-begin
  httpScenario,
  queuesScenario,
  cacheScenario,
  loginScenario,
  idempotencyScenario,
  observabilityScenario,
  // @example-end
];

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function main(): Promise<number> {
  const settings = settingsFromEnv();
  const startedAt = new Date().toISOString();
  const runStarted = performance.now();
  log(`${settings.mode} mode, ${settings.rounds} rounds, scenarios: ${[...settings.only].join(', ')}; output in ${settings.outDir}`);
  // Stacks get a database each; 64 leaves room for every scenario's.
  const redis = await RedisServer.start({ args: ['--databases', '64'] });
  const probe = redis.client();
  const machine = await describeMachine(probe);
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadAverageAtStart.join(' ')}, Redis ${machine.redis}`);
  let nextDb = 1;
  const redisPid = Number(/process_id:(\d+)/.exec(await probe.info('server'))?.[1] ?? -1);
  const nats = new LazyNatsServer();
  const context: ScenarioContext = {
    settings,
    redis,
    redisPid,
    allocateDb: () => nextDb++,
    nats: async () => {
      const server = await nats.get();
      if (server instanceof NatsServer) machine.nats ??= server.version;
      return server;
    },
    log,
  };
  const scenarios: ScenarioResult[] = [];
  const results = (): RunResults => {
    const { only, outDir: _outDir, ...rest } = settings;
    return { startedAt, durationS: (performance.now() - runStarted) / 1_000, settings: { ...rest, only: [...only] }, machine, scenarios };
  };
  mkdirSync(settings.outDir, { recursive: true });
  const write = () => {
    writeFileSync(join(settings.outDir, 'results.json'), `${JSON.stringify(results(), null, 2)}\n`);
    writeFileSync(join(settings.outDir, 'RESULTS.md'), renderReport(results()));
  };
  try {
    for (const scenario of SCENARIOS) {
      if (!settings.only.has(scenario.id)) continue;
      log(`${scenario.id}: ${scenario.title}`);
      const started = performance.now();
      let outcome: ScenarioOutcome;
      try {
        outcome = await scenario.run(context);
      } catch (error) {
        log(`${scenario.id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        outcome = {
          status: 'failed',
          reason: error instanceof Error ? error.message.split('\n')[0]! : String(error),
          figures: {},
          extra: { error: error instanceof Error ? error.message : String(error) },
          tables: [],
          notes: [],
          targets: [],
        };
      }
      const durationS = (performance.now() - started) / 1_000;
      scenarios.push({ id: scenario.id, title: scenario.title, durationS, ...outcome });
      log(`${scenario.id}: ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''} in ${Math.round(durationS)} s`);
      for (const target of outcome.targets) log(`  ${target.met === null ? '?' : target.met ? 'met   ' : 'MISSED'} ${target.target}: ${target.measured}`);
      write();
    }
  } finally {
    machine.loadAverageAtEnd = loadavg().map((value) => Math.round(value * 100) / 100);
    write();
    probe.disconnect();
    await Promise.all([redis.destroy(), nats.stop()]);
  }
  log(`wrote ${join(settings.outDir, 'RESULTS.md')} and results.json in ${Math.round((performance.now() - runStarted) / 1_000)} s`);
  return scenarios.some((scenario) => scenario.status === 'failed') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
