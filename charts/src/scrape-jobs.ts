import { type KubeObject, ofKind, selects } from './manifests.js';

interface ServiceMonitorSpec {
  jobLabel?: string;
  selector?: { matchLabels?: Record<string, string> };
  endpoints?: Array<{ port?: string }>;
}

/**
 * The `job` label of every target the rendered ServiceMonitors produce, as the Prometheus
 * Operator names it: the value of the Service's `jobLabel` label, or the Service's name.
 * Only Services that expose one of the monitor's endpoint ports yield targets.
 */
export function scrapeJobs(objects: readonly KubeObject[]): string[] {
  const jobs = new Set<string>();
  const services = ofKind(objects, 'Service');
  for (const monitor of ofKind(objects, 'ServiceMonitor')) {
    const spec = monitor.spec as ServiceMonitorSpec;
    const ports = new Set((spec.endpoints ?? []).map((endpoint) => endpoint.port));
    for (const service of services) {
      if (!selects(spec.selector?.matchLabels, service.metadata.labels ?? {})) continue;
      const servicePorts = ((service.spec?.ports ?? []) as Array<{ name?: string }>).map((port) => port.name);
      if (!servicePorts.some((name) => ports.has(name))) continue;
      jobs.add(spec.jobLabel ? (service.metadata.labels?.[spec.jobLabel] ?? service.metadata.name) : service.metadata.name);
    }
  }
  return [...jobs].sort();
}

/** The job names an expression's `job="..."` and `job=~"a|b"` matchers ask for. */
export function jobSelectors(expr: string): Array<{ matcher: string; jobs: string[] }> {
  const selectors: Array<{ matcher: string; jobs: string[] }> = [];
  for (const match of expr.matchAll(/\bjob\s*(=~|=)\s*"([^"]*)"/g)) {
    const jobs = match[1] === '=~' ? match[2]!.split('|') : [match[2]!];
    if (jobs.some((job) => /[.*+?()[\]{}^$\\]/.test(job))) throw new Error(`job matcher ${match[0]} is a pattern, not a list of names`);
    selectors.push({ matcher: match[0], jobs });
  }
  return selectors;
}
