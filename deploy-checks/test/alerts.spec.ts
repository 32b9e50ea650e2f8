import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { copyCharts, type ChartsCopy } from '../src/helm.js';
import { type KubeObject, ofKind } from '../src/manifests.js';
import { readRegistry } from '@platform/registry';
import { jobSelectors, scrapeJobs, scrapeTargets, upSelects } from '../src/scrape-jobs.js';
import { renderPlatform } from './scenarios.js';

/**
 * The alert rules the chart ships select targets by label (`up{job="redis"}`,
 * `up{part_of="nest-redis-platform"}`); the chart's ServiceMonitors decide those labels. A rule whose selector matches no job the chart produces
 * never fires: these tests take the names from the rendered objects.
 */

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** An annotation as Prometheus renders it, for the `{{ $labels.x }}` it uses here. */
function expand(text: string, labels: Record<string, string>): string {
  return text.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_match, name: string) => labels[name] ?? '');
}

/** An `up` series with these labels, in promtool's notation. */
function upSeries(labels: Record<string, string>): string {
  return `up{${Object.entries(labels).map(([name, value]) => `${name}="${value}"`).join(',')}}`;
}

let charts: ChartsCopy;
let objects: KubeObject[];
let rules: Rule[];
beforeAll(() => {
  charts = copyCharts();
  // Every ServiceMonitor the chart can render: the services' and redis_exporter's.
  objects = renderPlatform(charts, 'ha', { operator: true });
  const rule = ofKind(objects, 'PrometheusRule')[0]!;
  rules = (rule.spec as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((group) => group.rules);
});
afterAll(() => charts.remove());

describe('the alert rules against the jobs the chart produces', () => {
  it('render a job per service and `redis` for redis_exporter', () => {
    expect(scrapeJobs(objects)).toEqual([...readRegistry().map((service) => service.name), 'redis'].sort());
  });

  it('select only jobs that exist', () => {
    const jobs = new Set(scrapeJobs(objects));
    const missing = rules.flatMap((rule) =>
      jobSelectors(rule.expr).flatMap(({ matcher, jobs: wanted }) => wanted.filter((job) => !jobs.has(job)).map((job) => `${rule.alert ?? rule.expr}: ${matcher} (no job ${job})`)),
    );
    expect(missing).toEqual([]);
  });

  it('fire in promtool when each rendered job stops answering scrapes', () => {
    // A promtool unit test written from the rendered names: every job is down; each `up` alert
    // must fire for the jobs its selector names. With a job name the chart does not produce
    // (e.g. the release-named `platform-redis` job of a ServiceMonitor without jobLabel) the
    // expected alert is missing and promtool fails.
    const targets = scrapeTargets(objects);
    const upRules = rules.filter((rule) => rule.alert && /\bup\{/.test(rule.expr));
    expect(upRules.map((rule) => rule.alert).sort()).toEqual(['PlatformRedisDown', 'PlatformServiceDown']);
    const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    try {
      writeFileSync(join(dir, 'rules.yml'), stringify({ groups: (ofKind(objects, 'PrometheusRule')[0]!.spec as { groups: unknown }).groups }));
      const tests = {
        rule_files: ['rules.yml'],
        evaluation_interval: '1m',
        tests: [{
          interval: '1m',
          input_series: targets.map((target) => ({ series: upSeries({ ...target, instance: `${target.job}:1` }), values: '0 0 0 0 0 0' })),
          alert_rule_test: upRules.map((rule) => ({
            eval_time: '4m',
            alertname: rule.alert,
            exp_alerts: targets.filter((target) => upSelects(rule.expr, target)).map((target) => {
              const labels = { ...target, instance: `${target.job}:1` };
              return {
                exp_labels: { ...labels, ...rule.labels },
                exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([key, value]) => [key, expand(value, labels)])),
              };
            }),
          })),
        }],
      };
      for (const test of tests.tests[0]!.alert_rule_test) expect(test.exp_alerts.length).toBeGreaterThan(0);
      writeFileSync(join(dir, 'rules.test.yml'), stringify(tests));
      const output = execFileSync('promtool', ['test', 'rules', 'rules.test.yml'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      expect(output).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
