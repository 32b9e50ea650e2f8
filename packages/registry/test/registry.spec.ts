import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calleeEnv, chartServiceValues, readRegistry, repoRoot } from '@platform/registry';

const cli = (args: string[], root = repoRoot) =>
  spawnSync(process.execPath, [join(repoRoot, 'packages', 'registry', 'cli.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, PLATFORM_ROOT: root } });

/** A repository root holding only services/<name>/package.json with these `platform` fields. */
function repoWith(services: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'registry-'));
  for (const [name, platform] of Object.entries(services)) {
    mkdirSync(join(root, 'services', name), { recursive: true });
    writeFileSync(join(root, 'services', name, 'package.json'), JSON.stringify({ name, description: `${name} service`, platform }));
  }
  return root;
}

const rpc = (port: number, extra: object = {}) => ({ role: 'rpc', port, serves: ['rpc'], calls: [], redis: 'read-write', ...extra });

describe('the service registry', () => {
  it('reads every service of this repository, callees before their callers', () => {
    const registry = readRegistry();
    const position = new Map(registry.map((service, i) => [service.name, i]));
    expect(registry.length).toBeGreaterThan(0);
    for (const service of registry) {
      for (const callee of service.calls) expect(position.get(callee)).toBeLessThan(position.get(service.name)!);
    }
  });

  it('orders by calls, whatever the folder order', () => {
    const root = repoWith({ api: { ...rpc(3000), role: 'http', calls: ['zeta'] }, zeta: rpc(3001, { calls: ['beta'] }), beta: rpc(3002) });
    expect(readRegistry(root).map((service) => service.name)).toEqual(['beta', 'zeta', 'api']);
  });

  it('names every problem at once', () => {
    const root = repoWith({
      good: rpc(3000),
      bad: { role: 'daemon', port: 80, serves: ['smtp'], calls: ['nobody'], redis: 'all', colour: 'blue' },
      same: rpc(3000),
      bare: undefined,
    });
    const message = (() => {
      try {
        readRegistry(root);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const expected of [
      'services/bad/package.json "platform".colour: unknown key',
      '"platform".role: one of http, rpc, worker, exporter',
      '"platform".port: an integer 1024-65535',
      '"platform".serves: a list of',
      '"platform".redis: one of',
      'services/bare/package.json has no "platform" field',
      'port 3000 is used by both good and same',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('refuses a call to a service that does not exist, and a cycle', () => {
    expect(() => readRegistry(repoWith({ a: rpc(3000, { calls: ['ghost'] }) }))).toThrow('calls "ghost", which is not a service');
    expect(() => readRegistry(repoWith({ a: rpc(3000, { calls: ['b'] }), b: rpc(3001, { calls: ['a'] }) }))).toThrow(/cycle: a -> b -> a/);
  });

  it('points a caller at its callees\' extra ports, and opens them to it in the chart', () => {
    const root = repoWith({
      api: { ...rpc(3000), role: 'http', calls: ['old-tcp'] },
      'old-tcp': rpc(3001, { extraPorts: [{ name: 'tcp', port: 4000, env: 'TCP_PORT' }] }),
    });
    const registry = readRegistry(root);
    const api = registry.find((service) => service.name === 'api')!;
    const legacy = registry.find((service) => service.name === 'old-tcp')!;
    expect(calleeEnv(registry, api, { host: (callee) => `${callee.name}.svc`, port: (_callee, extra) => extra.port + 1 })).toEqual({
      OLD_TCP_TCP_HOST: 'old-tcp.svc',
      OLD_TCP_TCP_PORT: '4001',
    });
    expect(chartServiceValues(registry, legacy)).toMatchObject({ extraPorts: [{ name: 'tcp', port: 4000, env: 'TCP_PORT', from: ['api'] }] });
  });

  it('keeps the committed files derived from it current (make derive), and says how when they are not', () => {
    const here = cli(['derive', '--check']);
    expect(here.stderr).toBe('');
    expect(here.status).toBe(0);

    const root = repoWith({ api: { ...rpc(3000), role: 'http' } });
    const stale = cli(['derive', '--check'], root);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('charts/platform/services/api.json');
    expect(stale.stderr).toContain('regenerate them with: make derive');
    expect(cli(['derive'], root).status).toBe(0);
    expect(cli(['derive', '--check'], root).status).toBe(0);
  });
});
