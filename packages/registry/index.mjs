// The service registry. Which services exist, and how they are wired, is said once: in the
// `platform` field of each services/<name>/package.json. Everything that lists services (make
// dev, the e2e platform, the local Prometheus config, the chart's services, the CI image
// matrix) reads it through this module, so adding a service is adding a folder.
//
// Plain JavaScript with a hand-written .d.mts: the Makefile, scripts/ and CI read the registry
// before anything is built, so this package has no build step.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root (this file lives in packages/registry/). `import.meta.url` is missing
 * where a bundler turned this module into CommonJS (turbo gen's config loader); callers there
 * pass the root explicitly.
 */
export const repoRoot = import.meta.url ? join(dirname(fileURLToPath(import.meta.url)), '..', '..') : process.cwd();

export const ROLES = ['http', 'rpc', 'worker', 'exporter'];
export const TRANSPORTS = ['http', 'tcp', 'rpc', 'events', 'jobs'];
export const REDIS_ACCESS = ['read-write', 'read-only', 'none'];

const NAME = /^[a-z][a-z0-9-]*$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const KNOWN_KEYS = new Set(['role', 'port', 'serves', 'calls', 'redis', 'public', 'singleton', 'extraPorts']);

/** Problems of one registry entry, each naming its key; empty when the entry is valid. */
function entryProblems(name, entry) {
  const problems = [];
  const at = (key) => `services/${name}/package.json "platform".${key}`;
  if (!NAME.test(name)) problems.push(`services/${name}: a service name is lower-case letters, digits and dashes`);
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return [`services/${name}/package.json: "platform" must be an object`];
  }
  for (const key of Object.keys(entry)) if (!KNOWN_KEYS.has(key)) problems.push(`${at(key)}: unknown key`);
  if (!ROLES.includes(entry.role)) problems.push(`${at('role')}: one of ${ROLES.join(', ')}`);
  if (!Number.isInteger(entry.port) || entry.port < 1024 || entry.port > 65535) problems.push(`${at('port')}: an integer 1024-65535`);
  if (!Array.isArray(entry.serves) || entry.serves.some((t) => !TRANSPORTS.includes(t))) {
    problems.push(`${at('serves')}: a list of ${TRANSPORTS.join(', ')}`);
  }
  if (!Array.isArray(entry.calls) || entry.calls.some((c) => typeof c !== 'string')) problems.push(`${at('calls')}: a list of service names`);
  if (!REDIS_ACCESS.includes(entry.redis)) problems.push(`${at('redis')}: one of ${REDIS_ACCESS.join(', ')}`);
  for (const flag of ['public', 'singleton']) {
    if (entry[flag] !== undefined && typeof entry[flag] !== 'boolean') problems.push(`${at(flag)}: true or false`);
  }
  for (const [i, extra] of (entry.extraPorts ?? []).entries()) {
    if (!NAME.test(extra?.name ?? '')) problems.push(`${at(`extraPorts[${i}].name`)}: lower-case letters, digits and dashes`);
    if (!Number.isInteger(extra?.port) || extra.port < 1024 || extra.port > 65535) problems.push(`${at(`extraPorts[${i}].port`)}: an integer 1024-65535`);
    if (!ENV_NAME.test(extra?.env ?? '') || !extra.env.endsWith('_PORT')) problems.push(`${at(`extraPorts[${i}].env`)}: an env name ending in _PORT`);
  }
  if (entry.extraPorts !== undefined && !Array.isArray(entry.extraPorts)) problems.push(`${at('extraPorts')}: a list`);
  return problems;
}

/**
 * Every service of the repository at `root`, validated, in start order: a service comes after
 * every service it calls. Throws one error that lists every problem at once.
 */
export function readRegistry(root = repoRoot) {
  const servicesDir = join(root, 'services');
  const names = existsSync(servicesDir)
    ? readdirSync(servicesDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(servicesDir, entry.name, 'package.json')))
        .map((entry) => entry.name)
        .sort()
    : [];
  const problems = [];
  const services = [];
  for (const name of names) {
    const pkg = JSON.parse(readFileSync(join(servicesDir, name, 'package.json'), 'utf8'));
    if (pkg.platform === undefined) {
      problems.push(`services/${name}/package.json has no "platform" field (see packages/registry/README.md)`);
      continue;
    }
    const entryProblemList = entryProblems(name, pkg.platform);
    problems.push(...entryProblemList);
    if (entryProblemList.length === 0) {
      services.push({
        name,
        description: pkg.description ?? '',
        public: false,
        singleton: false,
        extraPorts: [],
        ...pkg.platform,
      });
    }
  }
  const known = new Set(services.map((s) => s.name));
  for (const service of services) {
    for (const callee of service.calls) {
      if (!known.has(callee)) problems.push(`services/${service.name}: calls "${callee}", which is not a service`);
      if (callee === service.name) problems.push(`services/${service.name}: calls itself`);
    }
  }
  const ports = new Map();
  for (const service of services) {
    for (const port of [service.port, ...service.extraPorts.map((extra) => extra.port)]) {
      if (ports.has(port)) problems.push(`port ${port} is used by both ${ports.get(port)} and ${service.name}`);
      ports.set(port, service.name);
    }
  }
  if (problems.length > 0) throw new Error(`the service registry is invalid:\n  - ${problems.join('\n  - ')}`);
  return inStartOrder(services);
}

/** Callees before callers (a depth-first topological sort); a cycle is an error that names it. */
function inStartOrder(services) {
  const byName = new Map(services.map((s) => [s.name, s]));
  const ordered = [];
  const state = new Map();
  const visit = (service, path) => {
    if (state.get(service.name) === 'done') return;
    if (state.get(service.name) === 'visiting') {
      throw new Error(`the service registry is invalid: the calls form a cycle: ${[...path, service.name].join(' -> ')}`);
    }
    state.set(service.name, 'visiting');
    for (const callee of service.calls) visit(byName.get(callee), [...path, service.name]);
    state.set(service.name, 'done');
    ordered.push(service);
  };
  for (const service of services) visit(service, []);
  return ordered;
}

/** `metrics-exporter` -> `METRICS_EXPORTER`: the prefix of env vars that point at a service. */
export function envPrefix(name) {
  return name.toUpperCase().replaceAll('-', '_');
}

/**
 * The env a caller needs to reach its callees' extra ports, e.g. the gateway calling legacy's
 * `tcp` port (env TCP_PORT): `{ LEGACY_TCP_HOST: host('legacy'), LEGACY_TCP_PORT: port }`.
 * `host` and `port` say where each callee is in this environment (dev, e2e, Kubernetes).
 */
export function calleeEnv(registry, caller, { host, port }) {
  const env = {};
  for (const callee of registry.filter((s) => caller.calls.includes(s.name))) {
    for (const extra of callee.extraPorts) {
      const variable = `${envPrefix(callee.name)}_${extra.env}`;
      env[variable] = String(port(callee, extra));
      env[`${variable.slice(0, -'_PORT'.length)}_HOST`] = host(callee, extra);
    }
  }
  return env;
}

/** The services that call `service` (the peers allowed to reach its extra ports). */
export function callersOf(registry, service) {
  return registry.filter((s) => s.calls.includes(service.name)).map((s) => s.name);
}

/** The values the platform chart takes for one service (charts/platform/services/<name>.json). */
export function chartServiceValues(registry, service) {
  return {
    role: service.role,
    port: service.port,
    ...(service.singleton ? { replicaCount: 1, singleton: true } : {}),
    ...(service.public ? { networkPolicy: { public: true } } : {}),
    extraPorts: service.extraPorts.map((extra) => ({ ...extra, from: callersOf(registry, service) })),
    calls: service.calls,
    redis: service.redis,
  };
}

/** The local Prometheus config (`make monitor`): one job per service, named after it, as in Kubernetes. */
export function prometheusConfig(registry, { rulesFile, redisExporterPort = 9121 } = {}) {
  const lines = [
    '# Written by `make monitor` from the service registry (packages/registry); do not edit.',
    '# Job names are the service names, as the ServiceMonitors set them in Kubernetes, and every',
    '# service target carries part_of="nest-redis-platform", so the alert rules and dashboards',
    '# select the platform by that label, never by a list of names.',
    'global:',
    '  scrape_interval: 5s',
    '  evaluation_interval: 5s',
  ];
  if (rulesFile) lines.push('', 'rule_files:', `  - ${JSON.stringify(rulesFile)}`);
  lines.push('', 'scrape_configs:');
  for (const service of registry) {
    lines.push(
      `  - job_name: ${service.name}`,
      '    # The services label their own metrics with `service`; keep theirs.',
      '    honor_labels: true',
      `    static_configs: [{ targets: ['localhost:${service.port}'], labels: { part_of: nest-redis-platform } }]`,
    );
  }
  lines.push(
    '  # redis_exporter, started by `make monitor` next to the dev Redis when it is installed.',
    '  - job_name: redis',
    `    static_configs: [{ targets: ['localhost:${redisExporterPort}'] }]`,
  );
  return `${lines.join('\n')}\n`;
}

/** A Markdown table of the services (`make services`). */
export function serviceTable(registry) {
  const rows = registry.map((s) =>
    [
      `\`${s.name}\``,
      s.role,
      [s.port, ...s.extraPorts.map((e) => `${e.port} (${e.name})`)].join(', '),
      s.serves.join(', ') || '-',
      s.calls.join(', ') || '-',
      s.redis,
      s.description,
    ].join(' | '),
  );
  return ['| service | role | ports | serves | calls | Redis | what it does |', '|---|---|---|---|---|---|---|', ...rows.map((r) => `| ${r} |`)].join('\n');
}
