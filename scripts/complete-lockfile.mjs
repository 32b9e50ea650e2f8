#!/usr/bin/env node
// Adds the platform-specific optional packages that `npm install` left out of
// package-lock.json because the registry it used did not serve that exact version (partial
// mirrors often lack the macOS/Windows builds of native tools such as @swc/core, oxlint or
// turbo). `npm ci` then refuses the lockfile ("Missing: ... from lock file"). Each added
// entry carries the package's os/cpu/libc, so npm skips it on other platforms and fetches
// it by name and version on its own. Against a complete registry this script changes
// nothing. Run it after `npm install`: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const OSES = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony', 'netbsd', 'openbsd', 'sunos', 'aix'];
const CPUS = ['x64', 'arm64', 'arm', 'ia32', 'ppc64', 'riscv64', 's390x', 'loong64', 'wasm32', 'mips64el', 'x86'];
const CPU_ALIASES = { x86_64: 'x64', amd64: 'x64', aarch64: 'arm64', x86: 'ia32', 64: 'x64' };

/** Reads os, cpu and libc from a platform package's name, e.g. @swc/core-linux-x64-musl. */
function platformOf(name) {
  const parts = name.split('/').pop().split(/[-.]/);
  const os = parts.find((part) => OSES.includes(part)) ?? (parts.includes('windows') ? 'win32' : parts.includes('macos') ? 'darwin' : undefined);
  const cpuPart = parts.find((part) => CPUS.includes(part) || part in CPU_ALIASES);
  const cpu = CPU_ALIASES[cpuPart] ?? cpuPart;
  const libc = parts.includes('musl') || parts.includes('musleabihf') ? 'musl' : parts.includes('gnu') || parts.includes('gnueabihf') ? 'glibc' : undefined;
  return { os, cpu, libc };
}

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const added = [];

for (const [key, entry] of Object.entries(packages)) {
  for (const [dependency, version] of Object.entries(entry.optionalDependencies ?? {})) {
    // npm resolves a dependency next to its dependent first, then up to the root.
    const nested = `${key}/node_modules/${dependency}`;
    const hoisted = `node_modules/${dependency}`;
    if (packages[nested] || packages[hoisted]) continue;
    const { os, cpu, libc } = platformOf(dependency);
    if (!os && !cpu) continue; // not a platform build: leave npm's decision alone
    packages[hoisted] = {
      version: version.replace(/^[\^~=]/, ''),
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(entry.dev ? { dev: true } : {}),
      ...(libc ? { libc: [libc] } : {}),
      optional: true,
      ...(os ? { os: [os] } : {}),
    };
    added.push(`${dependency}@${version}`);
  }
}

if (added.length > 0) {
  lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`complete-lockfile: added ${added.length} platform package entr${added.length === 1 ? 'y' : 'ies'}`);
