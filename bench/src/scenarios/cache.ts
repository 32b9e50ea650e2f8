import { CatalogRpc } from '@contracts/catalog';
import { inParallel, scrapeMetric } from '@platform/testing';
import type { Fixture } from '../fixture-process.js';
import type { BurstArgs, SequentialArgs } from '../fixtures/http-load.js';
import { ms, rate, Recorder, rotation, type TargetCheck, times } from '../results.js';
import { type Scenario, type ScenarioContext, type ScenarioOutcome, skipped } from '../scenario.js';
import { Stack, stopAll } from '../stacks.js';
import type { LatencySummary } from '../stats.js';
import { median, ratio } from '../stats.js';
import { startLoad } from './http-variants.js';
import { adminHeaders, requestJson } from './platform-http.js';

interface SequentialFigures {
  statuses: Record<string, number>;
  byValue: Record<string, LatencySummary>;
}

interface BurstFigures {
  statuses: Record<string, number>;
  headerValues: Record<string, number>;
  elapsedMs: number;
}

/** How many catalog.getProduct requests catalog has handled (its RPC server histogram). */
function catalogLookups(catalogUrl: string): Promise<number> {
  return scrapeMetric(catalogUrl, 'rpc_server_duration_seconds_count', { pattern: CatalogRpc.getProduct.pattern });
}

/**
 * Issue 8 §5: `GET /products/:id` through the gateway, one request at a time, on a product
 * in the cache (hit) and on products never asked for (miss: a call to catalog and a cache
 * write); then `stampede` concurrent first requests for one product, counting the calls
 * that reached catalog.
 */
export const cacheScenario: Scenario = {
  id: 'cache',
  title: 'Product cache (gateway GET /products/:id)',
  async run(context: ScenarioContext): Promise<ScenarioOutcome> {
    const { settings } = context;
    const hitCount = settings.mode === 'full' ? 1_500 : 200;
    const missCount = settings.mode === 'full' ? 500 : 60;
    let stack: Stack | undefined;
    let load: Fixture | undefined;
    const recorder = new Recorder();
    const stampedes: Array<{ calls: number; statuses: Record<string, number>; headerValues: Record<string, number>; elapsedMs: number }> = [];
    try {
      stack = await Stack.start(context, 'cache', [{ name: 'catalog' }, { name: 'gateway' }]);
      const gateway = stack.url('gateway');
      const create = () => requestJson(`${gateway}/products`, { method: 'POST', headers: adminHeaders, json: { name: 'Bench widget', price: 9.99, stock: 5 } });
      const probe = await create();
      const probeId = (probe.body as { id?: string }).id;
      const probeGet = probeId ? await requestJson(`${gateway}/products/${probeId}`) : undefined;
      if (probe.status !== 201 || !probeId || probeGet?.status !== 200 || !probeGet.headers.get('x-cache')) {
        return skipped(`the gateway has no product cache yet (POST /products → ${probe.status}, GET /products/:id → ${probeGet?.status ?? 'n/a'})`);
      }
      // The miss path is warmed up too, on products of its own.
      const primeMisses = settings.primeMs > 0 ? missCount : 0;
      const needed = missCount * settings.rounds + settings.rounds + primeMisses;
      const created = await inParallel(Array.from({ length: needed }), 16, async () => {
        const { status, body } = await create();
        if (status !== 201) throw new Error(`POST /products answered ${status}: ${JSON.stringify(body)}`);
        return (body as { id: string }).id;
      });
      context.log(`cache: ${created.length + 1} products created`);
      const fresh = () => {
        const id = created.pop();
        if (!id) throw new Error('ran out of products never requested');
        return id;
      };
      load = await startLoad();
      const hot = `/products/${probeId}`;
      const sequential = (paths: string[], durationMs: number) =>
        load!.call<SequentialFigures>('sequential', { baseUrl: gateway, paths, durationMs, splitBy: 'x-cache' } satisfies SequentialArgs);
      await sequential(Array.from({ length: 100_000 }, () => hot), Math.max(settings.primeMs, 200));
      if (primeMisses > 0) await sequential(Array.from({ length: primeMisses }, () => `/products/${fresh()}`), 60_000);
      for (let round = 0; round < settings.rounds; round++) {
        for (const kind of rotation(['hit', 'miss'] as const, round)) {
          const paths = kind === 'hit' ? Array.from({ length: hitCount }, () => hot) : Array.from({ length: missCount }, () => `/products/${fresh()}`);
          // Bounded by count, not time: every miss needs a product nobody asked for yet.
          const figures = await sequential(paths, 60_000);
          const summary = figures.byValue[kind];
          if (!summary) throw new Error(`no ${kind} answered: ${JSON.stringify(figures)}`);
          recorder.add(kind, 'p50', summary.p50, 'ms');
          recorder.add(kind, 'p99', summary.p99, 'ms');
          recorder.add(kind, 'count', summary.count, 'requests');
          const other = Object.entries(figures.byValue).filter(([value]) => value !== kind);
          if (other.length > 0) recorder.add(kind, 'unexpected', other.reduce((sum, [, value]) => sum + value.count, 0), 'requests');
        }
        const id = fresh();
        const before = await catalogLookups(stack.url('catalog'));
        const burst = await load.call<BurstFigures>('burst', {
          url: `${gateway}/products/${id}`,
          count: settings.stampede,
          warmPath: '/health/live',
          header: 'x-cache',
        } satisfies BurstArgs);
        // The histogram is updated when catalog's reply is written; give the last one a moment.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const calls = (await catalogLookups(stack.url('catalog'))) - before;
        stampedes.push({ calls, ...burst });
        recorder.add('stampede', 'catalogCalls', calls, 'calls');
        context.log(`cache: round ${round + 1}/${settings.rounds} done`);
      }
    } finally {
      await load?.stop();
      await stopAll([stack]);
    }
    const p50 = (kind: string) => recorder.median(kind, 'p50');
    const speedup = ratio(p50('miss'), p50('hit'));
    const maxCalls = Math.max(...stampedes.map((stampede) => stampede.calls));
    const targets: TargetCheck[] = [
      {
        target: 'cache hit p50 ≥ 3x faster than a miss',
        measured: `hit ${ms(p50('hit'))} ms vs miss ${ms(p50('miss'))} ms = ${times(speedup)}`,
        met: speedup >= 3,
      },
      {
        target: `a stampede of ${settings.stampede} concurrent misses reaches catalog once`,
        measured: `calls to catalog per stampede: ${stampedes.map((stampede) => stampede.calls).join(', ')}`,
        met: maxCalls === 1,
      },
    ];
    const statuses = stampedes.map((stampede) => Object.entries(stampede.statuses).map(([status, count]) => `${count}x ${status}`).join(' ')).join('; ');
    return {
      status: 'ok',
      figures: recorder.figures(),
      extra: { stampedes },
      tables: [
        {
          title: 'One request at a time',
          columns: ['request', 'p50 (ms)', 'p99 (ms)', 'requests per round'],
          rows: (['hit', 'miss'] as const).map((kind) => [kind, ms(p50(kind)), ms(recorder.median(kind, 'p99')), rate(recorder.median(kind, 'count'))]),
        },
        {
          title: `Stampede: ${settings.stampede} concurrent GETs of a product nobody asked for yet`,
          columns: ['calls reaching catalog (per round)', 'answers', 'median time for all'],
          rows: [[stampedes.map((stampede) => stampede.calls).join(', '), statuses, `${ms(median(stampedes.map((stampede) => stampede.elapsedMs)))} ms`]],
        },
      ],
      notes: [
        'Latencies are client-side over one keep-alive connection (node:http), classified by the x-cache header of each answer.',
        'A miss is a product created for the run and never requested before: gateway → catalog over the Streams transport, ' +
          'then the cache write. A hit also publishes product.viewed (not awaited).',
        'Calls reaching catalog are counted by catalog itself (rpc_server_duration_seconds_count for catalog.getProduct) ' +
          'before and after each stampede; one gateway replica (the single-flight spans replicas through a Redis lock).',
      ],
      targets,
    };
  },
};
