import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prometheusConfig, readRegistry } from '@platform/registry';
import { ManagedProcess, RedisServer, repoRoot, waitFor } from '@platform/testing';
import { copyRepository, git, renderPlatformChart, sh } from './repo-copy.js';

/** The registry entry of `name` in the repository at `root`. */
const entryOf = (root: string, name: string) => readRegistry(root).find((service) => service.name === name)!;

// `make service` in a copy of this repository, exactly as a user runs it, then the proof that
// the new service is a first-class member: it builds, lints, typechecks and passes its own
// tests (real Redis, the built service as a process); make dev, the local Prometheus, the chart
// and the CI image matrix all have it, with no hand edit; and only new files appear, besides
// the gateway wiring that ROUTE=yes asks for and the lockfile that links the new workspaces.
// Both kinds in one copy: the copy and its npm install are the slow part.
describe('make service NAME=orders ROUTE=yes, and NAME=billing KIND=worker (in a copy of the repository)', () => {
  let copy: string;

  beforeAll(() => {
    copy = copyRepository('generator-');
    sh(copy, 'make', ['service', 'NAME=orders', 'ROUTE=yes', 'DESCRIPTION=Orders, scaffolded by the generator test.']);
    sh(copy, 'make', ['service', 'NAME=billing', 'KIND=worker', 'DESCRIPTION=Billing jobs, scaffolded by the generator test.']);
  }, 420_000);

  afterAll(() => {
    if (copy && !process.env.KEEP_GENERATOR_COPY) rmSync(copy, { recursive: true, force: true });
  });

  it('adds new files only, besides the gateway wiring and the lockfile', () => {
    const changes = git(copy, 'status', '--porcelain', '--untracked-files=all').trimEnd().split('\n');
    const modified = changes.filter((line) => !line.startsWith('??')).map((line) => line.slice(3)).sort();
    const added = changes.filter((line) => line.startsWith('??')).map((line) => line.slice(3));
    expect(modified).toEqual([
      'charts/platform/services/gateway.json',
      'charts/platform/values.yaml',
      'package-lock.json',
      'services/gateway/package.json',
      'services/gateway/src/app.module.ts',
    ]);
    for (const file of added) expect(file).toMatch(/^(services\/(orders|billing)\/|contracts\/(orders|billing)\/|services\/gateway\/src\/orders\/|charts\/platform\/services\/(orders|billing)\.json$)/);
    expect(added).toEqual(expect.arrayContaining(['services/orders/src/main.ts', 'services/orders/test/records.e2e-spec.ts', 'contracts/orders/src/index.ts']));
    expect(added).toEqual(expect.arrayContaining(['services/billing/src/tasks/tasks.processor.ts', 'services/billing/test/tasks.e2e-spec.ts', 'contracts/billing/src/index.ts']));
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
    const objects = renderPlatformChart(copy, 'default');
    // The HA scenario (ACL users on) renders too: the chart derives the new service's user.
    renderPlatformChart(copy, 'ha');
    const ofOrders = objects.filter((object) => object.metadata.name === 'shop-platform-orders').map((object) => object.kind).sort();
    expect(ofOrders).toEqual(expect.arrayContaining(['ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceMonitor']));
    // Its route is public: the Ingress's path list (ingress.paths) has its prefix.
    expect(readFileSync(join(copy, 'charts', 'platform', 'values.yaml'), 'utf8')).toMatch(/\n {4}- \/docs\n {4}# generated routes[^\n]*\n {4}- \/orders\n/);
  });

  it('is covered by the alert rules and dashboards, which select the platform by label', () => {
    const rules = readFileSync(join(copy, 'charts', 'platform', 'files', 'prometheus', 'alerts.yml'), 'utf8');
    expect(rules).toContain('up{part_of="nest-redis-platform"}');
    expect(rules).not.toMatch(/job=~"[^"]*gateway/);
  });

  describe('the worker, billing', () => {
    it('is in the registry as a worker of jobs, on a port no other service uses', () => {
      const registry = readRegistry(copy);
      const billing = entryOf(copy, 'billing');
      expect(billing).toMatchObject({ role: 'worker', serves: ['jobs'], calls: [] });
      const taken = registry.filter((service) => service.name !== 'billing').map((service) => service.port);
      expect(taken).not.toContain(billing.port);
      expect(prometheusConfig(registry)).toContain('job_name: billing');
      expect(prometheusConfig(registry)).toContain(`localhost:${billing.port}`);
      expect(JSON.parse(sh(copy, process.execPath, ['packages/registry/cli.mjs', 'names']))).toContain('billing');
    });

    it('builds, lints, typechecks and passes its own tests (a job processed, an invalid one failed without retry)', () => {
      const output = sh(copy, 'npx', [
        'turbo', 'run', 'lint', 'typecheck', 'build', 'test',
        '--filter=billing', '--filter=@contracts/billing', '--output-logs=new-only',
      ]);
      expect(output).toMatch(/billing:test: .*Tests: +\d+ passed, \d+ total/s);
    }, 600_000);

    it('starts from its build on its registry port and is ready against a real Redis', async () => {
      const { port } = entryOf(copy, 'billing');
      const redis = await RedisServer.start();
      // No PORT: the service's default must be its registry port, as make dev and the chart assume.
      const { NODE_OPTIONS: _jestFlags, PORT: _port, ...env } = process.env;
      const worker = ManagedProcess.spawn(process.execPath, ['services/billing/dist/main.js'], { cwd: copy, env: { ...env, REDIS_URL: redis.url, HOST: '127.0.0.1' } });
      try {
        await waitFor('billing /health/ready', async () => {
          if (worker.hasExited) throw new Error(`billing exited:\n${worker.output.tail()}`);
          const response = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
          // Its own readiness, queue check included: not another process that holds the port.
          return response?.status === 200 && (await response.text()).includes('"billing-queue"');
        }, { timeoutMs: 60_000, intervalMs: 200 });
      } finally {
        await worker.stop();
        await redis.destroy();
      }
    }, 90_000);

    it('is deployed by the chart: Deployment, Service, ServiceMonitor, PodDisruptionBudget and NetworkPolicy', () => {
      const kinds = renderPlatformChart(copy, 'default')
        .filter((object) => object.metadata.name === 'shop-platform-billing')
        .map((object) => object.kind);
      expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceMonitor']));
    });
  });
});
