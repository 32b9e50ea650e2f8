import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@platform/testing';
import { parseAllDocuments } from 'yaml';

/**
 * Folders of a working tree that are machine state, not the repository. The build output and
 * turbo's cache are copied: the workspaces a command does not touch are then cache hits.
 */
const NOT_COPIED = new Set(['.git', '.dev', '.tools', 'coverage']);

/** Runs `command` in `cwd` and returns its stdout; throws with the output's tail when it fails. */
export function sh(cwd: string, command: string, args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  }
  return result.stdout;
}

export const git = (cwd: string, ...args: string[]) =>
  sh(cwd, 'git', ['-c', 'user.name=e2e-test', '-c', 'user.email=e2e-test@example.invalid', ...args]);

/**
 * This working tree copied into a new temporary folder (`prefix` names it) and committed there
 * as a fresh repository, the way a user's clone starts: what a command then changes shows in
 * `git status`.
 */
export function copyRepository(prefix: string): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  cpSync(repoRoot, copy, { recursive: true, verbatimSymlinks: true, filter: (source) => !NOT_COPIED.has(source.slice(repoRoot.length).split('/')[0]!) });
  git(copy, 'init', '--quiet');
  git(copy, 'add', '--all');
  git(copy, 'commit', '--quiet', '--message', 'the repository as cloned');
  return copy;
}

/** A rendered Kubernetes object, as far as these tests look at it. */
export interface RenderedObject {
  kind: string;
  metadata: { name: string };
}

/**
 * The platform chart of the repository at `root`, rendered by a real helm as release `shop`
 * with one of its CI values files (`charts/platform/ci/<scenario>-values.yaml`), with the
 * Prometheus Operator's API announced so the monitoring objects render too.
 */
export function renderPlatformChart(root: string, scenario: 'default' | 'minimal' | 'ha'): RenderedObject[] {
  const helm = execFileSync(process.execPath, [join(root, 'scripts', 'ensure-helm.mjs')], { encoding: 'utf8' }).trim();
  sh(root, helm, ['dependency', 'build', 'charts/platform']);
  const rendered = sh(root, helm, [
    'template', 'shop', 'charts/platform', '--namespace', 'shop',
    '--values', `charts/platform/ci/${scenario}-values.yaml`,
    '--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor',
  ]);
  return parseAllDocuments(rendered)
    .map((document) => document.toJS() as RenderedObject | null)
    .filter((object): object is RenderedObject => object !== null);
}
