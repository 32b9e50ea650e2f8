import { execFileSync } from 'node:child_process';
import { repoRoot } from '@platform/testing';

const rulesDir = `${repoRoot}charts/platform/files/prometheus`;

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: rulesDir, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
  }
}

describe('Prometheus rules and scrape config (promtool)', () => {
  it('the alert rules are valid', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('every alert fires when it should and stays quiet when it should not', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('every alert has a unit test that makes it fire', async () => {
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const rules = parse(readFileSync(`${rulesDir}/alerts.yml`, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string }> }> };
    const tests = parse(readFileSync(`${rulesDir}/alerts.test.yml`, 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const alerts = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert).filter(Boolean));
    const firing = new Set(tests.tests.flatMap((test) => (test.alert_rule_test ?? []).filter((t) => t.exp_alerts.length > 0).map((t) => t.alertname)));
    const quiet = new Set(tests.tests.flatMap((test) => (test.alert_rule_test ?? []).filter((t) => t.exp_alerts.length === 0).map((t) => t.alertname)));
    expect(alerts.filter((alert) => !firing.has(alert!))).toEqual([]);
    expect(alerts.filter((alert) => !quiet.has(alert!))).toEqual([]);
  });

  it('the scrape config make monitor writes from the registry is valid, loads the rules and scrapes every service', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { parse } = await import('yaml');
    const { prometheusConfig, readRegistry } = await import('@platform/registry');
    const registry = readRegistry();
    const config = prometheusConfig(registry, { rulesFile: `${rulesDir}/alerts.yml` });
    const file = join(mkdtempSync(join(tmpdir(), 'prometheus-config-')), 'prometheus.yml');
    writeFileSync(file, config);
    expect(execFileSync('promtool', ['check', 'config', file], { encoding: 'utf8' })).toContain('SUCCESS');
    const jobs = (parse(config) as { scrape_configs: Array<{ job_name: string }> }).scrape_configs.map((job) => job.job_name);
    expect(jobs.sort()).toEqual([...registry.map((service) => service.name), 'redis'].sort());
  });
});
