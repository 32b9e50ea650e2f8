#!/usr/bin/env node
// `make strip-examples`: deletes the example domain (legacy, catalog, accounts, notifications,
// their contracts, the gateway's routes to them, their tests, dashboards, bench scenarios and
// docs) and leaves the platform: the gateway (health, metrics, API docs, live-config admin,
// queue administration), metrics-exporter and packages/. Run it once, right after cloning;
// e2e/test/template/strip-examples.e2e-spec.ts runs it in a copy of the repository and proves the
// skeleton builds, tests and serves.
//
// What goes:
// - every path of EXAMPLE_PATHS (whole folders and files of the example);
// - in every other text file, each line marked `@example` (in a comment: `// @example`,
//   `# @example`) and each block from a line marked `@example-begin` to one marked
//   `@example-end`: the example's wiring in shared files (the gateway's module list, its env);
// - every dependency on a deleted workspace in the package.json files that remain;
// - in the Grafana dashboards (JSON, which has no comments), each panel whose description ends
//   with "(example domain).".
// Then `npm install` relinks the workspaces and `make derive` rewrites the chart's services.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const EXAMPLE_PATHS = [
  'services/legacy',
  'services/catalog',
  'services/accounts',
  'services/notifications',
  'contracts/seed-routes',
  'contracts/catalog',
  'contracts/accounts',
  'contracts/notifications',
  'services/gateway/src/seed-routes',
  'services/gateway/src/products',
  'services/gateway/src/auth',
  'services/gateway/src/dev',
  'services/gateway/test/sessions.e2e-spec.ts',
  'services/gateway/test/secure-cookie.e2e-spec.ts',
  'services/gateway/test/account-sessions.spec.ts',
  'services/gateway/test/test-env.ts',
  'e2e/test/accounts.e2e-spec.ts',
  // Registration, logins, sessions and the email queue; the admin surface alone is
  // services/gateway/test/admin-surface.e2e-spec.ts.
  'e2e/test/security',
  // Its work is done once the example is gone.
  'e2e/test/template/strip-examples.e2e-spec.ts',
  'e2e/test/email-outbox.e2e-spec.ts',
  'e2e/test/email-smtp.e2e-spec.ts',
  'e2e/test/products.e2e-spec.ts',
  'e2e/test/idempotency.e2e-spec.ts',
  'e2e/test/seed-routes.e2e-spec.ts',
  'e2e/test/shop.ts',
  'e2e/test/smtp-peer.ts',
  'e2e/test/observability/password-reset-trace.e2e-spec.ts',
  'e2e/test/observability/trace.e2e-spec.ts',
  'e2e/test/observability/spans.ts',
  'e2e/test/resilience',
  'bench/src/scenarios/cache.ts',
  'bench/src/scenarios/http.ts',
  'bench/src/scenarios/http-variants.ts',
  'bench/src/scenarios/idempotency.ts',
  'bench/src/scenarios/login.ts',
  'bench/src/scenarios/observability.ts',
  'bench/src/scenarios/platform-http.ts',
  'bench/src/scenarios/queues.ts',
  'bench/src/stacks.ts',
  'bench/src/fixtures/email-jobs.ts',
  'bench/src/fixtures/queue-driver.ts',
  'bench/src/fixtures/http-load.ts',
  'bench/src/preload/mail-noop.ts',
  'bench/src/preload/login-limiter-off.ts',
  'charts/platform/files/dashboards/platform-cache.json',
  'charts/platform/files/dashboards/platform-logins.json',
  'docs/example-domain.md',
];

const MARK = '@example';
/** A line whose comment (`//`, `#`, `<!--`) says @example: an address like a@example.com is not one. */
const MARKED_LINE = /(?:\/\/|#|<!--)\s*@example(?![\w.-])/;
const TEXT_FILE = /\.(?:[cm]?[jt]s|json|ya?ml|md|tpl|txt|hbs|sh)$|^(?:Makefile|Dockerfile)$/;
const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'dist', 'coverage', '.turbo', '.dev', '.tools']);

/** `text` without the lines marked @example and the @example-begin … @example-end blocks. */
export function unmark(text) {
  const kept = [];
  let inBlock = false;
  for (const line of text.split('\n')) {
    if (/(?:\/\/|#|<!--)\s*@example-begin\b/.test(line)) inBlock = true;
    else if (/(?:\/\/|#|<!--)\s*@example-end\b/.test(line)) inBlock = false;
    else if (!inBlock && !MARKED_LINE.test(line)) kept.push(line);
  }
  if (inBlock) throw new Error(`an ${MARK}-begin has no ${MARK}-end`);
  return kept.join('\n');
}

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* files(join(dir, entry.name));
    } else if (entry.isFile() && TEXT_FILE.test(entry.name)) {
      yield join(dir, entry.name);
    }
  }
}

function workspaceName(path) {
  const manifest = join(root, path, 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).name : undefined;
}

function main() {
  const force = process.argv.includes('--force');
  const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim();
  if (dirty && !force) {
    console.error('strip-examples: the working tree has uncommitted changes; commit them first (or pass --force).');
    process.exit(1);
  }
  const present = EXAMPLE_PATHS.filter((path) => existsSync(join(root, path)));
  if (present.length === 0) {
    console.log('strip-examples: the example domain is gone already.');
    return;
  }
  const deletedWorkspaces = new Set(present.map(workspaceName).filter(Boolean));
  for (const path of present) rmSync(join(root, path), { recursive: true, force: true });
  console.log(`strip-examples: deleted ${present.length} example paths`);

  let unmarked = 0;
  for (const file of files(root)) {
    if (relative(root, file) === 'scripts/strip-examples.mjs') continue;
    const text = readFileSync(file, 'utf8');
    let next = text.includes(MARK) ? unmark(text) : text;
    if (file.endsWith('package.json')) next = withoutDependencies(next, deletedWorkspaces);
    if (DASHBOARD.test(relative(root, file))) next = withoutExamplePanels(next);
    if (next !== text) {
      writeFileSync(file, next);
      unmarked += 1;
    }
  }
  console.log(`strip-examples: removed the example's lines from ${unmarked} files`);

  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'packages', 'registry', 'cli.mjs'), 'derive'], { cwd: root, stdio: 'inherit' });
  console.log('strip-examples: done. The services left:');
  execFileSync(process.execPath, [join(root, 'packages', 'registry', 'cli.mjs'), 'list'], { cwd: root, stdio: 'inherit' });
}

const DASHBOARD = /^charts\/platform\/files\/dashboards\/[^/]+\.json$/;
const EXAMPLE_PANEL = /\(example domain\)\.$/;

/** A Grafana dashboard's text without the panels of the example domain. */
function withoutExamplePanels(text) {
  const dashboard = JSON.parse(text);
  const panels = dashboard.panels.filter((panel) => !EXAMPLE_PANEL.test(panel.description ?? ''));
  if (panels.length === dashboard.panels.length) return text;
  return `${JSON.stringify({ ...dashboard, panels }, null, 2)}\n`;
}

/** A package.json's text without its dependencies on `names` (and the registry's calls to them). */
function withoutDependencies(text, names) {
  const manifest = JSON.parse(text);
  let changed = false;
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const name of Object.keys(manifest[field] ?? {})) {
      if (names.has(name)) {
        delete manifest[field][name];
        changed = true;
      }
    }
  }
  if (manifest.platform?.calls?.some((name) => names.has(name))) {
    manifest.platform.calls = manifest.platform.calls.filter((name) => !names.has(name));
    changed = true;
  }
  return changed ? `${JSON.stringify(manifest, null, 2)}\n` : text;
}

if (process.argv[1] && statSync(process.argv[1]).isFile() && fileURLToPath(import.meta.url) === process.argv[1]) main();
