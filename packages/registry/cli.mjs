#!/usr/bin/env node
// The registry from the command line:
//   platform-registry list                 the services as a Markdown table (`make services`)
//   platform-registry names                one JSON array of names (GitHub's image matrix)
//   platform-registry derive [--check]     write the committed files derived from the registry
//                                          (charts/platform/services/<name>.json); --check
//                                          only says which are stale and exits 1
//   platform-registry prometheus [--rules F]  the local Prometheus config on stdout
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chartServiceValues, prometheusConfig, readRegistry, repoRoot, serviceTable } from './index.mjs';

const REGENERATE = 'make derive';

// A command-line tool's output, written directly (the platform's lint bans console.*).
const out = (line) => process.stdout.write(`${line}\n`);
const err = (line) => process.stderr.write(`${line}\n`);

/** Every committed file derived from the registry: path -> content. */
function derivedFiles(root, registry) {
  const files = new Map();
  for (const service of registry) {
    const values = chartServiceValues(registry, service);
    files.set(join(root, 'charts', 'platform', 'services', `${service.name}.json`), `${JSON.stringify(values, null, 2)}\n`);
  }
  return files;
}

/** Derived files on disk that no service produces any more (a deleted service). */
function orphans(root, files) {
  const dir = join(root, 'charts', 'platform', 'services');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => join(dir, file))
    .filter((path) => !files.has(path));
}

function derive(root, check) {
  const files = derivedFiles(root, readRegistry(root));
  const stale = [...files].filter(([path, content]) => !existsSync(path) || readFileSync(path, 'utf8') !== content).map(([path]) => path);
  const extra = orphans(root, files);
  if (check) {
    if (stale.length + extra.length === 0) return 0;
    err(`files derived from the service registry are stale: ${[...stale, ...extra].map((p) => relative(root, p)).join(', ')}`);
    err(`regenerate them with: ${REGENERATE}`);
    return 1;
  }
  for (const path of stale) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, files.get(path));
    out(`wrote ${relative(root, path)}`);
  }
  for (const path of extra) {
    rmSync(path);
    out(`removed ${relative(root, path)}`);
  }
  return 0;
}

function main(argv) {
  const [command, ...rest] = argv;
  const root = process.env.PLATFORM_ROOT ?? repoRoot;
  switch (command) {
    case 'list':
      out(serviceTable(readRegistry(root)));
      return 0;
    case 'names':
      out(JSON.stringify(readRegistry(root).map((s) => s.name)));
      return 0;
    case 'derive':
      return derive(root, rest.includes('--check'));
    case 'prometheus': {
      const rules = rest.indexOf('--rules');
      process.stdout.write(prometheusConfig(readRegistry(root), rules >= 0 ? { rulesFile: rest[rules + 1] } : {}));
      return 0;
    }
    default:
      err('usage: platform-registry list | names | derive [--check] | prometheus [--rules FILE]');
      return 2;
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  err(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
