import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The build context `docker build` would send: the files under `root` that .dockerignore does
 * not exclude. Patterns follow Docker's rules for what this repository uses: paths relative to
 * the context, `*`, `?`, `**`, and `!` to re-include; a matched directory is skipped whole.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => {
          if (part === '**/') return '(?:.*/)?';
          if (part === '**') return '.*';
          if (part === '*') return '[^/]*';
          if (part === '?') return '[^/]';
          return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    let excluded = false;
    for (const rule of rules) if (rule.regex.test(path)) excluded = !rule.negated;
    return excluded;
  };
}

/** Copies the build context of `root` (as .dockerignore filters it) into `target`; returns the copied file paths. */
export function copyBuildContext(root: string, ignore: string, target: string): string[] {
  const excluded = dockerignoreMatcher(ignore);
  const copied: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (excluded(path)) continue;
      if (entry.isDirectory()) {
        walk(path);
      } else {
        mkdirSync(dirname(join(target, path)), { recursive: true });
        cpSync(join(root, path), join(target, path), { verbatimSymlinks: true });
        copied.push(path);
      }
    }
  };
  mkdirSync(target, { recursive: true });
  walk('');
  return copied;
}
