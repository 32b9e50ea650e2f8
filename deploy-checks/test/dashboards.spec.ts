import { readdirSync, readFileSync } from 'node:fs';
import { repoRoot } from '@platform/testing';

const dir = `${repoRoot}charts/platform/files/dashboards`;
const dashboards = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, json: JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Dashboard }));

interface Dashboard {
  uid: string;
  id?: unknown;
  title: string;
  templating: { list: Array<{ name: string; type: string; query: string }> };
  panels: Array<{ id: number; title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
}

describe('Grafana dashboards (provisioning-ready)', () => {
  it('cover services, RPC, queues, cache, logins and Redis', () => {
    expect(dashboards.map(({ json }) => json.uid).sort()).toEqual([
      'platform-cache', // @example
      'platform-logins', // @example
      'platform-queues',
      'platform-redis',
      'platform-rpc',
      'platform-services',
    ]);
  });

  it.each(dashboards)('$file has a stable uid, no numeric id, and a datasource variable', ({ file, json }) => {
    expect(`${json.uid}.json`).toBe(file);
    expect(json.id).toBeUndefined();
    expect(json.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
  });

  it.each(dashboards)('$file: every panel queries Prometheus through the variable, with unique ids', ({ json }) => {
    const ids = json.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of json.panels) {
      expect(panel.datasource.uid).toBe('${datasource}');
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(target.expr.trim()).not.toBe('');
    }
  });
});
