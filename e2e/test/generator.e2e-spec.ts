import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prometheusConfig, readRegistry } from '@platform/registry';
import { repoRoot } from '@platform/testing';
import { parseAllDocuments } from 'yaml';

/**
 * Folders of a working tree that are machine state, not the repository. The build output and
 * turbo's cache are copied: the workspaces the generator does not touch are then cache hits.
 */
const NOT_COPIED = new Set(['.git', '.dev', '.tools', 'coverage']);

function sh(cwd: string, command: string, args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  }
  return result.stdout;
}

const git = (cwd: string, ...args: string[]) =>
  sh(cwd, 'git', ['-c', 'user.name=generator-test', '-c', 'user.email=generator-test@example.invalid', ...args]);

// `make service` in a copy of this repository, exactly as a user runs it, then the proof that
// the new service is a first-class member: it builds, lints, typechecks and passes its own
// tests (real Redis, the built service as a process); make dev, the local Prometheus, the chart
// and the CI image matrix all have it, with no hand edit; and only new files appear, besides
// the gateway wiring that ROUTE=yes asks for and the lockfile that links the new workspaces.
describe('make service NAME=orders ROUTE=yes (in a copy of the repository)', () => {
  let copy: string;

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'generator-'));
    cpSync(repoRoot, copy, { recursive: true, verbatimSymlinks: true, filter: (source) => !NOT_COPIED.has(source.slice(repoRoot.length).split('/')[0]!) });
    git(copy, 'init', '--quiet');
    git(copy, 'add', '--all');
    git(copy, 'commit', '--quiet', '--message', 'before make service');
    sh(copy, 'make', ['service', 'NAME=orders', 'ROUTE=yes', 'DESCRIPTION=Orders, scaffolded by the generator test.']);
  }, 300_000);

  afterAll(() => {
    if (copy && !process.env.KEEP_GENERATOR_COPY) rmSync(copy, { recursive: true, force: true });
  });

  it('adds new files only, besides the gateway wiring and the lockfile', () => {
    const changes = git(copy, 'status', '--porcelain', '--untracked-files=all').trimEnd().split('\n');
    const modified = changes.filter((line) => !line.startsWith('??')).map((line) => line.slice(3)).sort();
    const added = changes.filter((line) => line.startsWith('??')).map((line) => line.slice(3));
    expect(modified).toEqual([
      'charts/platform/services/gateway.json',
      'package-lock.json',
      'services/gateway/package.json',
      'services/gateway/src/app.module.ts',
    ]);
    for (const file of added) expect(file).toMatch(/^(services\/orders\/|contracts\/orders\/|services\/gateway\/src\/orders\/|charts\/platform\/services\/orders\.json$)/);
    expect(added).toEqual(expect.arrayContaining(['services/orders/src/main.ts', 'services/orders/test/records.e2e-spec.ts', 'contracts/orders/src/index.ts']));
  });

  it('puts it in the registry with a free port, callable by the gateway', () => {
    const registry = readRegistry(copy);
    const orders = registry.find((service) => service.name === 'orders');
    const ports = readRegistry(repoRoot).map((service) => service.port);
    expect(orders).toMatchObject({ role: 'rpc', serves: ['rpc'] });
    expect(ports).not.toContain(orders!.port);
    expect(registry.find((service) => service.name === 'gateway')!.calls).toContain('orders');
    // What make dev starts and make monitor scrapes: both read the registry.
    expect(prometheusConfig(registry)).toContain(`job_name: orders`);
    expect(prometheusConfig(registry)).toContain(`localhost:${orders!.port}`);
    expect(JSON.parse(sh(copy, process.execPath, ['packages/registry/cli.mjs', 'names']))).toContain('orders');
    sh(copy, process.execPath, ['packages/registry/cli.mjs', 'derive', '--check']);
  });

  it('builds, lints, typechecks and passes its own tests, and the gateway still builds', () => {
    const output = sh(copy, 'npx', [
      'turbo', 'run', 'lint', 'typecheck', 'build', 'test',
      '--filter=orders', '--filter=@contracts/orders', '--output-logs=new-only',
    ]);
    expect(output).toMatch(/orders:test: .*Tests: +\d+ passed, \d+ total/s);
    sh(copy, 'npx', ['turbo', 'run', 'lint', 'typecheck', 'build', '--filter=gateway', '--output-logs=errors-only']);
    expect(existsSync(join(copy, 'services', 'gateway', 'dist', 'orders', 'orders.controller.js'))).toBe(true);
  }, 600_000);

  it('is deployed by the chart: Deployment, Service, ServiceMonitor, PodDisruptionBudget and NetworkPolicy', () => {
    const helm = execFileSync(process.execPath, [join(copy, 'scripts', 'ensure-helm.mjs')], { encoding: 'utf8' }).trim();
    sh(copy, helm, ['dependency', 'build', 'charts/platform']);
    const rendered = sh(copy, helm, [
      'template', 'shop', 'charts/platform', '--namespace', 'shop',
      '--values', 'charts/platform/ci/default-values.yaml',
      '--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor',
    ]);
    const objects = parseAllDocuments(rendered).map((document) => document.toJS() as { kind: string; metadata: { name: string } } | null).filter((o) => o !== null);
    // The HA scenario (ACL users on) renders too: the chart derives the new service's user.
    sh(copy, helm, ['template', 'shop', 'charts/platform', '--values', 'charts/platform/ci/ha-values.yaml']);
    const ofOrders = objects.filter((object) => object.metadata.name === 'shop-platform-orders').map((object) => object.kind).sort();
    expect(ofOrders).toEqual(expect.arrayContaining(['ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceMonitor']));
  });

  it('is covered by the alert rules and dashboards, which select the platform by label', () => {
    const rules = readFileSync(join(copy, 'charts', 'platform', 'files', 'prometheus', 'alerts.yml'), 'utf8');
    expect(rules).toContain('up{part_of="nest-redis-platform"}');
    expect(rules).not.toMatch(/job=~"[^"]*gateway/);
  });
});
