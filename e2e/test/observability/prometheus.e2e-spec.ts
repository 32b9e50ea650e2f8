import { readdirSync, readFileSync } from 'node:fs';
import { prometheusConfig, readRegistry } from '@platform/registry';
import { PrometheusServer, RedisExporter, repoRoot, waitFor } from '@platform/testing';
import { parse, stringify } from 'yaml';
import { type Platform, startPlatform } from '../platform.js';
import { ADMIN, ADMIN_TOKEN, createProduct, JSON_BODY, loginAs, setStock, watch } from '../shop.js'; // @example

interface ScrapeConfig {
  job_name: string;
  static_configs: Array<{ targets: string[] }>;
}

const dashboardsDir = `${repoRoot}charts/platform/files/dashboards`;
const panels = readdirSync(dashboardsDir)
  .filter((file) => file.endsWith('.json'))
  .flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(`${dashboardsDir}/${file}`, 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    return dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ dashboard: file, panel: panel.title, expr: target.expr })));
  });

/** What Grafana substitutes before querying; the test scrapes every second. */
const grafanaQuery = (expr: string) => expr.replaceAll('$__rate_interval', '1m');

// The repository's own scrape config, alert rules and dashboards against Debian's Prometheus,
// scraping every service of a running platform and redis_exporter: every target is up and
// every rule loads; with the example domain (two accounts replicas), every panel must show
// data, and the Redis-kept counters, summed over every target, must equal what was done —
// each counted once, however many replicas did it.
describe('dashboards and counters against a real Prometheus', () => {
  let platform: Platform;
  let exporter: RedisExporter;
  let prometheus: PrometheusServer;
  // @example-begin
  /** The single value of an aggregating query (0 when it has no series). */
  const total = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1] ?? 0);
  const done = { loginSuccess: 0, loginFailure: 0, loginLocked: 0, cacheHit: 0, cacheMiss: 0, views: 0, emailsSent: 0, stockEvents: 0 };
  // @example-end

  beforeAll(async () => {
    platform = await startPlatform({
      replicas: { accounts: 2 }, // @example
      gatewayEnv: {
        RPC_TIMEOUT_MS: '10000',
        ADMIN_TOKEN, // @example
        DEV_ENDPOINTS: 'true', // @example
      },
    });
    exporter = await RedisExporter.start(platform.redis.url);
    // The config `make monitor` writes from the registry, pointed at this platform's ports.
    const config = parse(prometheusConfig(readRegistry(), { rulesFile: `${repoRoot}charts/platform/files/prometheus/alerts.yml` })) as {
      global: Record<string, string>;
      scrape_configs: ScrapeConfig[];
    };
    const replicasOf = (job: string) =>
      [...platform.services.services].filter(([name]) => name === job || new RegExp(`^${job}-\\d+$`).test(name)).map(([, service]) => service.url);
    config.global = { scrape_interval: '1s', evaluation_interval: '1s' };
    for (const job of config.scrape_configs) {
      const urls = job.job_name === 'redis' ? [exporter.target] : replicasOf(job.job_name);
      if (urls.length === 0) throw new Error(`the scrape config has a job no process of this platform serves: ${job.job_name}`);
      for (const target of job.static_configs) target.targets = urls.map((url) => url.replace(/^https?:\/\//, ''));
    }
    const expectedTargets = config.scrape_configs.reduce((sum, job) => sum + job.static_configs[0]!.targets.length, 0);
    prometheus = await PrometheusServer.start(stringify(config));
    await waitFor('every target to be scraped', async () => {
      const all = await prometheus.targets();
      return all.length === expectedTargets && all.every((target) => target.health === 'up');
    }, { timeoutMs: 20_000, intervalMs: 250 });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.destroy();
    await exporter?.destroy();
    await platform?.stop();
  });

  it('scrapes every service of the registry, each with the platform label, and loads every alert rule', async () => {
    const up = await prometheus.query('up{part_of="nest-redis-platform"} == 1');
    expect(new Set(up.map((sample) => sample.metric.job))).toEqual(new Set(readRegistry().map((service) => service.name)));
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: unknown[] }> } };
    const ruleCount = rules.data.groups.reduce((sum, group) => sum + group.rules.length, 0);
    expect(ruleCount).toBe(parse(readFileSync(`${repoRoot}charts/platform/files/prometheus/alerts.yml`, 'utf8')).groups.reduce((sum: number, group: { rules: unknown[] }) => sum + group.rules.length, 0));
    expect(ruleCount).toBeGreaterThan(0);
  });

  it('accepts every dashboard panel\'s query', async () => {
    // query() throws on an answer other than success: a panel Prometheus cannot parse fails here.
    for (const { expr } of panels) await prometheus.query(grafanaQuery(expr));
    expect(panels.length).toBeGreaterThan(10);
  });

  // @example-begin
  it('drives traffic through every route', async () => {
    for (const path of ['/test', '/test1', '/test2', '/does-not-exist']) expect((await platform.request(path)).status).toBeLessThan(500);

    const product = await createProduct(platform, { name: 'Observed mug', price: 9.5, stock: 0 });
    expect((await platform.request(`/products/${product.id}`)).headers.get('x-cache')).toBe('miss');
    expect((await platform.request(`/products/${product.id}`)).headers.get('x-cache')).toBe('hit');
    Object.assign(done, { cacheMiss: 1, cacheHit: 1, views: 2 });
    expect((await platform.request('/products/top?limit=5')).status).toBe(200);

    const cookie = await loginAs(platform, 'observer@example.com');
    // Registering mailed its verification token.
    Object.assign(done, { loginSuccess: done.loginSuccess + 1, emailsSent: done.emailsSent + 1 });
    expect((await watch(platform, product.id, cookie)).status).toBe(204);
    expect((await setStock(platform, product.id, 3)).status).toBe(200);
    Object.assign(done, { stockEvents: 1, emailsSent: done.emailsSent + 1 });
    expect((await platform.request('/auth/me', { headers: { cookie } })).status).toBe(200);
    expect((await platform.request('/auth/logout', { method: 'POST', headers: { cookie } })).status).toBe(204);

    const wrong = JSON.stringify({ email: 'observer@example.com', password: 'not the password at all' });
    for (let attempt = 0; attempt < 6; attempt++) {
      const { status } = await platform.request('/auth/login', { method: 'POST', headers: JSON_BODY, body: wrong });
      if (status === 401) done.loginFailure += 1;
      else if (status === 429) done.loginLocked += 1;
      else throw new Error(`unexpected login answer ${status}`);
    }
    expect(done.loginLocked).toBeGreaterThan(0);
    const reset = JSON.stringify({ email: 'observer@example.com' });
    expect((await platform.request('/auth/password-reset', { method: 'POST', headers: JSON_BODY, body: reset })).status).toBe(202);
    done.emailsSent += 1;

    expect((await platform.request('/admin/config', { headers: ADMIN })).status).toBe(200);
    const change = JSON.stringify({ 'catalog.cacheTtlSeconds': 30 });
    expect((await platform.request('/admin/config', { method: 'PUT', headers: { ...ADMIN, ...JSON_BODY }, body: change })).status).toBe(200);
    await waitFor('both emails in the outbox', async () => {
      const outbox = await platform.request('/dev/outbox', { headers: ADMIN });
      return outbox.status === 200 && JSON.stringify(outbox.body).split('"to"').length - 1 >= 2;
    });
    expect((await platform.request('/admin/queues', { headers: ADMIN })).status).toBeLessThan(400);
  });

  it('counts each action once over every scraped target, with two accounts replicas', async () => {
    const expected: Array<[string, number]> = [
      ['sum(platform_logins_total{result="success"})', done.loginSuccess],
      ['sum(platform_logins_total{result="failure"})', done.loginFailure],
      ['sum(platform_logins_total{result="locked"})', done.loginLocked],
      ['sum(platform_cache_requests_total{result="hit"})', done.cacheHit],
      ['sum(platform_cache_requests_total{result="miss"})', done.cacheMiss],
      ['sum(platform_product_views_total)', done.views],
      ['sum(platform_emails_total{status="sent"})', done.emailsSent],
      ['sum(platform_events_total{event="stock.updated"})', done.stockEvents],
    ];
    await waitFor('Prometheus to have scraped every counter', async () => {
      for (const [expr, value] of expected) if ((await total(expr)) !== value) return false;
      return true;
    }, { timeoutMs: 20_000, intervalMs: 500 }).catch(async (error: Error) => {
      const seen = await Promise.all(expected.map(async ([expr, value]) => `${expr} = ${await total(expr)} (expected ${value})`));
      throw new Error(`${error.message}\n${seen.join('\n')}`);
    });
    // Both accounts replicas did logins, yet the counters come from metrics-exporter alone.
    expect(await total('count(count by (instance) (rpc_server_duration_seconds_count{service="accounts",pattern="accounts.login"}))')).toBe(2);
    expect(await total('count(count by (job) (platform_logins_total))')).toBe(1);
  });

  it('gives every dashboard panel data', async () => {
    let empty: string[] = [];
    await waitFor('every panel to have data', async () => {
      empty = [];
      for (const { dashboard, panel, expr } of panels) {
        if ((await prometheus.query(grafanaQuery(expr))).length === 0) empty.push(`${dashboard} · ${panel}: ${expr}`);
      }
      return empty.length === 0;
    }, { timeoutMs: 30_000, intervalMs: 1_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\npanels without data:\n${empty.join('\n')}`);
    });
    expect(panels.length).toBeGreaterThan(25);
  }, 60_000);
  // @example-end
});
