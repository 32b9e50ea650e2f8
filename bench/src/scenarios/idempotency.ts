import { randomUUID } from 'node:crypto';
import type { Fixture } from '../fixture-process.js';
import type { AutocannonArgs } from '../fixtures/http-load.js';
import { type CommandsSeen, totalOf, watchCommands } from '../redis-monitor.js';
import { ms, perRequest, rate, Recorder, rotation, type TargetCheck, times } from '../results.js';
import { type Scenario, type ScenarioContext, type ScenarioOutcome, skipped } from '../scenario.js';
import { Stack, stopAll } from '../stacks.js';
import { ratio } from '../stats.js';
import { measureHttp, startLoad } from './http-variants.js';
import { adminHeaders } from './platform-http.js';

const VARIANTS = [
  { id: 'no-key', label: 'no Idempotency-Key' },
  { id: 'fresh-key', label: 'a fresh Idempotency-Key per request (claim, create, store)' },
  { id: 'replayed-key', label: 'one key and body for every request (answered from the store)' },
] as const;
type VariantId = (typeof VARIANTS)[number]['id'];

const PRODUCT = JSON.stringify({ name: 'Bench widget', price: 9.99, stock: 5 });
const KEY_HEADER = 'idempotency-key';
const NOTHING_SEEN: CommandsSeen = { sent: {}, inScripts: {}, inTransactions: {} };
const REPLAYED_HEADER = 'idempotent-replayed';

/** The headers of a POST /products of `variant`; `key` is the replayed variant's one key. */
function headersOf(variant: VariantId, key: string): Record<string, string> {
  if (variant === 'fresh-key') return { ...adminHeaders, [KEY_HEADER]: randomUUID() };
  if (variant === 'replayed-key') return { ...adminHeaders, [KEY_HEADER]: key };
  return adminHeaders;
}

/** One POST /products of `variant`: its status, and whether the gateway says it was replayed. */
async function createProduct(url: string, variant: VariantId, key: string): Promise<{ status: number; replayed: boolean }> {
  const response = await fetch(url, { method: 'POST', headers: { ...headersOf(variant, key), 'content-type': 'application/json' }, body: PRODUCT });
  await response.arrayBuffer();
  return { status: response.status, replayed: response.headers.get(REPLAYED_HEADER) === 'true' };
}

/** The autocannon load of `variant`: every request alike but for a fresh key per request. */
function loadOf(variant: VariantId, url: string, key: string, cpuPids: number[], redisUrl: string): Omit<AutocannonArgs, 'durationMs' | 'connections'> {
  const common = { url, method: 'POST' as const, bodies: [PRODUCT], cpuPids, redisUrl };
  if (variant === 'fresh-key') return { ...common, headers: adminHeaders, uniqueHeader: KEY_HEADER };
  return { ...common, headers: headersOf(variant, key) };
}

/** "evalsha +2.00, get -0.02": per request, the commands `seen` sent beyond `baseline`. */
function extraByCommand(seen: CommandsSeen, baseline: CommandsSeen, requests: number): string {
  const commands = new Set([...Object.keys(seen.sent), ...Object.keys(baseline.sent)]);
  const extra = [...commands]
    .map((command) => [command, ((seen.sent[command] ?? 0) - (baseline.sent[command] ?? 0)) / requests] as const)
    // Below a tenth per request: the idle services' own background (a reclaim, a timed-out read), not the request.
    .filter(([, perRequest]) => Math.abs(perRequest) >= 0.1)
    .sort(([, a], [, b]) => Math.abs(b) - Math.abs(a));
  return extra.length === 0 ? 'none' : extra.map(([command, count]) => `${command} ${signed(count)}`).join(', ');
}

/** "+2.00", "-0.50": a difference per request. */
function signed(value: number): string {
  return Number.isFinite(value) ? `${value >= 0 ? '+' : '-'}${Math.abs(value).toFixed(2)}` : 'n/a';
}

/**
 * The price of an Idempotency-Key at the gateway: `POST /products` (admin) without a key, with
 * a fresh key per request (the key claimed before the route runs, the answer stored before it
 * leaves), and with one key and body for every request (each answered from the store, nothing
 * runs). Under autocannon load: req/s, latency, CPU and Redis commands per request; then, one
 * request at a time under MONITOR, the commands each request sends to Redis, told apart from
 * those its scripts run.
 */
export const idempotencyScenario: Scenario = {
  id: 'idempotency',
  title: 'Idempotency-Key at the gateway (POST /products)',
  async run(context: ScenarioContext): Promise<ScenarioOutcome> {
    const { settings } = context;
    // Enough that the idle services' background (a reclaim, a timed-out read) is hundredths per request.
    const countedRequests = settings.mode === 'full' ? 300 : settings.mode === 'quick' ? 100 : 10;
    let stack: Stack | undefined;
    let load: Fixture | undefined;
    const recorder = new Recorder();
    const errors: Record<string, number> = {};
    const statuses: Record<string, Record<string, number>> = {};
    const seen: Partial<Record<VariantId, CommandsSeen>> = {};
    try {
      // The variants differ in one header, so they share one stack: the same processes, the
      // same JIT state, interleaved without restarts.
      stack = await Stack.start(context, 'idempotency', [{ name: 'catalog' }, { name: 'gateway' }]);
      const url = `${stack.url('gateway')}/products`;
      const replayedKey = `bench-replayed-${randomUUID()}`;
      // The replayed variant's key gets its answer here; every later request with it is a replay.
      const first = await createProduct(url, 'replayed-key', replayedKey);
      if (first.status !== 201) throw new Error(`POST /products answered ${first.status}`);
      const again = await createProduct(url, 'replayed-key', replayedKey);
      if (!again.replayed) return skipped(`the gateway does not replay an Idempotency-Key (a repeat answered ${again.status}, not replayed)`);

      load = await startLoad();
      const cpuPids = [...stack.pids(), context.redisPid];
      const loadFor = (id: VariantId) => loadOf(id, url, replayedKey, cpuPids, context.redis.url);
      if (settings.primeMs > 0) {
        for (const { id } of VARIANTS) await load.call('autocannon', { ...loadFor(id), connections: settings.concurrency, durationMs: settings.primeMs });
      }
      for (let round = 0; round < settings.rounds; round++) {
        for (const { id } of rotation(VARIANTS, round)) {
          const figures = await measureHttp(load, recorder, id, settings, loadFor(id));
          // INFO commandstats, the whole server: only this stack runs on it meanwhile.
          recorder.add(id, 'redisCommandsPerRequest', (figures.redisCommands?.total ?? Number.NaN) / Math.max(1, figures.total), 'commands');
          errors[id] = (errors[id] ?? 0) + figures.non2xx + figures.errors + figures.timeouts;
          const counts = (statuses[id] ??= {});
          for (const [code, count] of Object.entries(figures.statusCodes)) counts[code] = (counts[code] ?? 0) + count;
        }
        context.log(`idempotency: round ${round + 1}/${settings.rounds} done`);
      }

      for (const { id } of VARIANTS) {
        seen[id] = await watchCommands(context.redis.url, stack.db, async () => {
          for (let n = 0; n < countedRequests; n++) {
            const answer = await createProduct(url, id, replayedKey);
            if (answer.status !== 201 || answer.replayed !== (id === 'replayed-key')) errors[id] = (errors[id] ?? 0) + 1;
          }
        });
      }
    } finally {
      await load?.stop();
      await stopAll([stack]);
    }

    const seenOf = (id: VariantId) => seen[id] ?? NOTHING_SEEN;
    const sentPerRequest = (id: VariantId) => totalOf(seenOf(id).sent) / countedRequests;
    const inScriptsPerRequest = (id: VariantId) => totalOf(seenOf(id).inScripts) / countedRequests;
    const extraSent = sentPerRequest('fresh-key') - sentPerRequest('no-key');
    const extraUnderLoad = recorder.median('fresh-key', 'redisCommandsPerRequest') - recorder.median('no-key', 'redisCommandsPerRequest');
    const rps = (id: VariantId) => recorder.median(id, 'rps');
    const cpu = (id: VariantId) => recorder.median(id, 'cpuUsPerRequest');
    const describe = (id: VariantId) =>
      Object.entries(statuses[id] ?? {})
        .map(([code, count]) => `${rate(count)}x ${code}`)
        .join(', ');
    // Whole round trips: the idle services' background moves the count by hundredths.
    const extraRoundTrips = Math.round(extraSent);
    // The store (or release) leaves with the answer and is not awaited (@platform/idempotency's
    // beforeSend), so of the commands a key adds, all but that one wait on the request's path.
    const onThePath = extraRoundTrips - 1;
    const targets: TargetCheck[] = [
      {
        target: 'an Idempotency-Key adds ≤ 1 Redis round trip to the request\'s path',
        measured:
          `${Number.isFinite(onThePath) ? onThePath : 'n/a'} on the path (the claim) of ${Number.isFinite(extraRoundTrips) ? extraRoundTrips : 'n/a'} ` +
          `commands a key adds: ${signed(extraSent)} sent to Redis per request with a fresh key ` +
          `(${extraByCommand(seenOf('fresh-key'), seenOf('no-key'), countedRequests)}), one request at a time under MONITOR; ` +
          `under load ${signed(extraUnderLoad)} commands run per request (INFO commandstats: the scripts' own commands included, ` +
          'and blocking reads that batch fewer requests when the variant is slower)',
        met: Number.isFinite(onThePath) ? onThePath <= 1 : null,
        note: 'a script or a transaction counts once; the claim is awaited before the route runs, the store is sent before the answer leaves and not awaited',
      },
    ];
    return {
      status: 'ok',
      figures: recorder.figures(),
      extra: { errors, statuses, commandsSeen: seen, countedRequests },
      tables: [
        {
          title: `Under load: ${settings.concurrency} connections`,
          columns: [
            'request',
            'req/s',
            'vs no key',
            'p50 (ms)',
            'p99 (ms)',
            'CPU per request (µs)',
            'vs no key',
            'Redis commands per request',
            'answers (all rounds)',
            'errors',
          ],
          rows: VARIANTS.map(({ id, label }) => [
            label,
            rate(rps(id)),
            times(ratio(rps(id), rps('no-key'))),
            ms(recorder.median(id, 'p50')),
            ms(recorder.median(id, 'p99')),
            rate(cpu(id)),
            times(ratio(cpu(id), cpu('no-key'))),
            perRequest(recorder.median(id, 'redisCommandsPerRequest')),
            describe(id),
            String(errors[id] ?? 0),
          ]),
        },
        {
          title: `What a request asks of Redis: ${countedRequests} requests one at a time, under MONITOR`,
          columns: ['request', 'commands sent per request (a script once)', 'commands run inside scripts per request', 'sent beyond no key, by command'],
          rows: VARIANTS.map(({ id, label }) => [
            label,
            perRequest(sentPerRequest(id)),
            perRequest(inScriptsPerRequest(id)),
            id === 'no-key' ? '' : extraByCommand(seenOf(id), seenOf('no-key'), countedRequests),
          ]),
        },
      ],
      notes: [
        'POST /products with the admin token, through the gateway to catalog over the Streams transport. A fresh key is ' +
          'claimed (one script, awaited) before the route runs and the answer stored in its place (one script, sent before ' +
          'the answer leaves, not awaited); ' +
          'the replayed key was answered once before the run, so each of its requests is one script and the stored answer.',
        'CPU per request: user+system CPU time of gateway, catalog and redis-server during the window, divided by the ' +
          'requests completed. Redis commands per request: INFO commandstats of the run’s redis-server before and after ' +
          'the window (the stack is all that runs on it), divided by the requests completed; Redis counts the commands a ' +
          'script runs as well as the script.',
        'Under MONITOR (after the measured rounds, which it would slow down), each command of the stack’s database is ' +
          'either sent by a client or run by a script. A command sent is a round trip unless written together with others ' +
          '(a MULTI … EXEC is one); the idle services’ background reads are included, a few hundredths per request.',
        'With a key, catalog also keeps its reply to the gateway’s request as long as the key (IDEMPOTENCY_TTL_SECONDS, ' +
          '24 h): the request id is derived from the key, so a retry after a 504 gets the first reply. Without one it is ' +
          'kept until the deadline: the same commands, held longer.',
      ],
      targets,
    };
  },
};
