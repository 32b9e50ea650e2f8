import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@platform/testing';

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
