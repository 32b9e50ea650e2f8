import { type KubeObject, ofKind, selects } from './manifests.js';

interface ServiceMonitorSpec {
  jobLabel?: string;
  selector?: { matchLabels?: Record<string, string> };
  endpoints?: Array<{ port?: string; relabelings?: Array<{ targetLabel?: string; replacement?: string; sourceLabels?: string[]; action?: string }> }>;
}

/**
 * The labels of every target the rendered ServiceMonitors produce, as the Prometheus Operator
 * sets them: `job` (the value of the Service's `jobLabel` label, or the Service's name) and
 * every label a relabeling writes as a constant (`targetLabel` + `replacement`, no source).
 * Only Services that expose one of the monitor's endpoint ports yield targets.
 */
export function scrapeTargets(objects: readonly KubeObject[]): Array<Record<string, string>> {
  const targets = new Map<string, Record<string, string>>();
  const services = ofKind(objects, 'Service');
  for (const monitor of ofKind(objects, 'ServiceMonitor')) {
    const spec = monitor.spec as ServiceMonitorSpec;
    for (const endpoint of spec.endpoints ?? []) {
      for (const service of services) {
        if (!selects(spec.selector?.matchLabels, service.metadata.labels ?? {})) continue;
        const servicePorts = ((service.spec?.ports ?? []) as Array<{ name?: string }>).map((port) => port.name);
        if (!servicePorts.includes(endpoint.port)) continue;
        const job = spec.jobLabel ? (service.metadata.labels?.[spec.jobLabel] ?? service.metadata.name) : service.metadata.name;
        const labels: Record<string, string> = { job };
        for (const relabel of endpoint.relabelings ?? []) {
          const constant = (relabel.action ?? 'replace') === 'replace' && !relabel.sourceLabels?.length;
          if (constant && relabel.targetLabel && relabel.replacement !== undefined) labels[relabel.targetLabel] = relabel.replacement;
        }
        targets.set(JSON.stringify(labels), labels);
      }
    }
  }
  return [...targets.values()].sort((a, b) => a.job!.localeCompare(b.job!));
}

/** The `job` label of every target the rendered ServiceMonitors produce. */
export function scrapeJobs(objects: readonly KubeObject[]): string[] {
  return [...new Set(scrapeTargets(objects).map((target) => target.job!))].sort();
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

/**
 * Whether a target with these labels matches the label matchers of an `up{...}` selector in
 * `expr` (`name="v"` or `name=~"a|b"`, names listed, not patterns); false when `expr` has none.
 */
export function upSelects(expr: string, labels: Record<string, string>): boolean {
  return [...expr.matchAll(/\bup\{([^}]*)\}/g)].some(([, body]) =>
    [...body!.matchAll(/(\w+)\s*(=~|=)\s*"([^"]*)"/g)].every(([, name, operator, value]) => {
      const wanted = operator === '=~' ? value!.split('|') : [value!];
      return wanted.includes(labels[name!] ?? '');
    }),
  );
}
