import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyBuildContext } from '../src/dockerignore.js';
import { repoPath } from '../src/repo.js';

/** The root Dockerfile, as written. */
export const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');

/**
 * What a rehearsal's RUN steps get from this machine on top of ARG and ENV.
 * NODE_EXTRA_CA_CERTS: where HTTPS goes through an inspecting proxy, npm without it waits out
 * its retries (about 70 s) on every fetch before falling back to its cache.
 */
export const hostEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  npm_config_cache: process.env.npm_config_cache,
  NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
};

export interface BuildContext {
  /** The temp folder: `context` is in it, and rehearsals make their stage folders beside it. */
  dir: string;
  context: string;
  /** The files of the context, relative to it. */
  files: string[];
  remove(): void;
}

/** The build context `docker build` would send (what .dockerignore lets through), copied into a temp folder. */
export function makeBuildContext(): BuildContext {
  const dir = mkdtempSync(join(tmpdir(), 'image-rehearsal-'));
  const context = join(dir, 'context');
  const files = copyBuildContext(repoPath(''), readFileSync(repoPath('.dockerignore'), 'utf8'), context);
  return { dir, context, files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
