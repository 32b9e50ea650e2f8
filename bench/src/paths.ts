import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from '@platform/testing';

/** bench/ (this file is bench/{src,dist}/paths.*). */
export const benchDir = fileURLToPath(new URL('../', import.meta.url));
/** The compiled bench (dist/), where fixtures and preloads run from. */
export const distDir = fileURLToPath(new URL('../dist/', import.meta.url));

/** A compiled fixture's entry (dist/fixtures/<name>.js). */
export function fixtureEntry(name: string): string {
  return `${distDir}fixtures/${name}.js`;
}

/** `--import=<url>` for a compiled preload (dist/preload/<name>.js), a node argument. */
export function preloadFlag(name: string): string {
  return `--import=${pathToFileURL(`${distDir}preload/${name}.js`).href}`;
}

/**
 * Node arguments that write a V8 CPU profile of the process into `<cpuProfDir>/<folder>/` when
 * it exits (BENCH_CPU_PROF): for a platform stack's services and the RPC echo fixtures alike.
 */
export function cpuProfileFlags(cpuProfDir: string, folder: string): string[] {
  const dir = join(cpuProfDir, folder);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** A file of a service's build, e.g. `serviceDist('notifications', 'email/mail-transport.js')`. */
export function serviceDist(service: string, file: string): string {
  return `${repoRoot}services/${service}/dist/${file}`;
}

export function serviceBuilt(service: string): boolean {
  return existsSync(serviceDist(service, 'main.js'));
}
