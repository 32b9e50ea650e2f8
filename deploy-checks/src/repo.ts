import { fileURLToPath } from 'node:url';

/** The repository root (this file is deploy-checks/{src,dist}/repo.*). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A path inside the repository. */
export function repoPath(...parts: string[]): string {
  return `${repoRoot}${parts.join('/')}`;
}
