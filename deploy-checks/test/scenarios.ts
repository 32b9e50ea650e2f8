import { join } from 'node:path';
import { type ChartsCopy, HelmError, PROMETHEUS_OPERATOR_APIS, render } from '../src/helm.js';
import type { KubeObject } from '../src/manifests.js';

/** The ci/*-values.yaml scenarios every chart ships. */
export const SCENARIOS = ['default', 'ha', 'minimal'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const NAMESPACE = 'platform-ci';

/** The platform chart (with its Redis) for one scenario, on a cluster with or without the Prometheus Operator. */
export function renderPlatform(
  charts: ChartsCopy,
  scenario: Scenario,
  options: { operator?: boolean; set?: string[]; setJson?: string[] } = {},
): KubeObject[] {
  return render({
    chart: charts.platform,
    valuesFiles: [join(charts.platform, 'ci', `${scenario}-values.yaml`)],
    set: options.set,
    setJson: options.setJson,
    apiVersions: options.operator ? PROMETHEUS_OPERATOR_APIS : [],
    namespace: NAMESPACE,
  });
}

/** The Redis chart alone for one scenario. */
export function renderRedis(charts: ChartsCopy, scenario: Scenario, operator = false): KubeObject[] {
  return render({
    chart: charts.redis,
    release: 'cache',
    valuesFiles: [join(charts.redis, 'ci', `${scenario}-values.yaml`)],
    apiVersions: operator ? PROMETHEUS_OPERATOR_APIS : [],
    namespace: NAMESPACE,
  });
}

/** Helm's output of a render that must fail (the test fails when it renders). */
export function renderError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof HelmError) return error.output;
    throw error;
  }
  throw new Error('expected the render to fail');
}

/** A new RPC service's entry as `make derive` writes it into services/<name>.json: for the tests that add one. */
export const ORDERS_ENTRY = { role: 'rpc', port: 3099, extraPorts: [], calls: [], redis: 'read-write' } as const;
