import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readRegistry } from '@platform/registry';
import { freePort, ManagedProcess, untilTimedTestsEnd, waitFor, within } from '@platform/testing';
import { copyRepository, git, renderPlatformChart, sh } from './repo-copy.js';

/** The example domain's services: after make strip-examples nothing may import or deploy them. */
const EXAMPLE_SERVICES = ['legacy', 'catalog', 'accounts', 'notifications'];
/** A line the strip should have deleted: a comment that is the @example marker. */
const MARKER = String.raw`(//|#|<!--)\s*@example`;

// `make strip-examples` in a copy of this repository, as a user runs it right after cloning,
// then the proof that the skeleton it leaves is a working platform: it builds, lints and
// typechecks, the tests of everything the strip edited pass (the gateway, metrics-exporter,
// the registry's boundary rule, the chart, the alert rules and dashboards, the Prometheus
// end-to-end test), and `make dev` serves the gateway's health and metrics and stops cleanly.
describe('make strip-examples (in a copy of the repository)', () => {
  let copy: string;

  beforeAll(() => {
    copy = copyRepository('strip-examples-');
    sh(copy, 'make', ['strip-examples']);
  }, 300_000);

  afterAll(() => {
    if (copy && !process.env.KEEP_STRIP_COPY) rmSync(copy, { recursive: true, force: true });
  });

  it('leaves the platform services only, and no contract of the example', () => {
    expect(readRegistry(copy).map((service) => service.name).sort()).toEqual(['gateway', 'metrics-exporter']);
    expect(readdirSync(join(copy, 'contracts'))).toEqual([]);
    for (const name of EXAMPLE_SERVICES) expect(existsSync(join(copy, 'services', name))).toBe(false);
    expect(readdirSync(join(copy, 'charts', 'platform', 'services')).sort()).toEqual(['gateway.json', 'metrics-exporter.json']);
  });

  it('deletes every line marked as the example, and every import of its contracts', () => {
    const grep = (pattern: string) => spawnGrep(copy, pattern);
    expect(grep(MARKER)).toEqual([]);
    expect(grep(String.raw`@contracts/(seed-routes|${EXAMPLE_SERVICES.join('|')})\b`)).toEqual([]);
    // It only deletes and edits: no new file appears.
    expect(git(copy, 'status', '--porcelain').split('\n').filter((line) => line.startsWith('??'))).toEqual([]);
  });

  it('lints, typechecks and builds every workspace left', () => {
    sh(copy, 'npx', ['turbo', 'run', 'lint', 'typecheck', 'build', '--output-logs=errors-only']);
    expect(existsSync(join(copy, 'services', 'gateway', 'dist', 'main.js'))).toBe(true);
  }, 600_000);

  it('renders a chart that deploys the platform services and nothing of the example', () => {
    for (const scenario of ['default', 'minimal', 'ha'] as const) {
      const objects = renderPlatformChart(copy, scenario);
      const deployments = objects.filter((object) => object.kind === 'Deployment').map((object) => object.metadata.name).sort();
      expect({ scenario, deployments }).toEqual({ scenario, deployments: ['shop-platform-gateway', 'shop-platform-metrics-exporter'] });
      // Not an object of theirs, nor a host name, env or policy that points at one.
      for (const name of EXAMPLE_SERVICES) expect(JSON.stringify(objects)).not.toMatch(new RegExp(`platform-${name}\\b`));
    }
  }, 120_000);

  // Its tests time what they run (a drain bounded in seconds, readiness within a wait): when
  // make test runs this file niced beside the platform's tests (packages/jest-config/jest-beside.js),
  // they wait for those to end, so they have the machine to themselves.
  describe('run as a user runs them', () => {
    beforeAll(untilTimedTestsEnd, 3_600_000);

    it('passes the tests of the workspaces it edited', () => {
      const output = sh(copy, 'npx', [
        'turbo', 'run', 'test', '--output-logs=new-only',
        '--filter=gateway', '--filter=metrics-exporter', '--filter=@platform/registry',
      ]);
      expect(output).toMatch(/gateway:test: .*Tests: +\d+ passed, \d+ total/s);
      // The chart's renders, policies, alert rules and dashboards, the chart-and-code agreement, and
      // the real-Prometheus test of the platform.
      sh(join(copy, 'deploy-checks'), 'npm', [
        'test', '--', 'test/charts.spec.ts', 'test/policies.spec.ts', 'test/alerts.spec.ts', 'test/rules-and-config.spec.ts', 'test/dashboards.spec.ts', 'test/agreement.spec.ts',
      ]);
      sh(join(copy, 'e2e'), 'npm', ['test', '--', 'test/observability/prometheus.e2e-spec.ts']);
    }, 900_000);

    it('serves the gateway\'s health and metrics with make dev, and Ctrl-C leaves nothing running', async () => {
      const { port } = readRegistry(copy).find((service) => service.name === 'gateway')!;
      // Its own process group, so the test can send SIGINT to all of it, as a terminal's Ctrl-C does.
      const { NODE_OPTIONS: _jestFlags, ...env } = process.env;
      const dev = ManagedProcess.spawn('make', ['dev'], { cwd: copy, detached: true, env: { ...env, DEV_REDIS_PORT: String(await freePort()) } });
      try {
        await waitFor('make dev: the gateway ready', async () => {
          if (dev.hasExited) throw new Error(`make dev exited:\n${dev.output.tail()}`);
          const response = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
          return response?.status === 200;
        }, { timeoutMs: 180_000, intervalMs: 500 });
        // A route of the platform (the API document), then its request in the metrics.
        expect((await fetch(`http://127.0.0.1:${port}/docs/openapi.json`)).status).toBe(200);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(metrics).toMatch(/^http_server_request_duration_seconds_count\{[^}]*route="\/docs\/openapi.json"/m);
      } finally {
        process.kill(-dev.pid!, 'SIGINT');
        // Not thrown here, where it would hide the try block's failure: the check follows.
        await within('make dev to exit', dev.exited, 30_000).catch(() => undefined);
      }
      expect(dev.hasExited).toBe(true);
      expect(await fetch(`http://127.0.0.1:${port}/health/live`).then(() => 'answered', () => 'refused')).toBe('refused');
    }, 240_000);
  });
});

/** The tracked files of `root` with a line matching `pattern` (extended regex), as `file:line: text`. */
function spawnGrep(root: string, pattern: string): string[] {
  try {
    return git(root, 'grep', '-n', '-I', '-E', pattern, '--', '.', ':!scripts/strip-examples.mjs').trim().split('\n');
  } catch (error) {
    // git grep exits 1 when nothing matches.
    if (/exited 1:/.test((error as Error).message)) return [];
    throw error;
  }
}
