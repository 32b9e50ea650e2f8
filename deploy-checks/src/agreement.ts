import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { readRegistry } from '@platform/registry';
import { clusterNamesToLoopback, containerView } from './kubelet-env.js';
import { describe, type KubeObject, ofKind, podTemplates } from './manifests.js';
import { type ChartRedis, chartRedis } from './redis-config.js';
import { repoPath } from './repo.js';

/**
 * Chart-and-code agreement: every rendered Deployment becomes a plan to start its service
 * locally with exactly the env and secret files the chart gives it, and to call its probes on
 * the ports and paths the chart declares. The plan runs in dist/agreement-runner.js, inside a
 * private network namespace when the machine allows one, so the chart's own ports (3000, 6379,
 * ...) are used as they are, whatever else runs here.
 */
export interface ProbeTarget {
  port: number;
  path: string;
  periodSeconds: number;
  failureThreshold: number;
}

export interface ServicePlan {
  deployment: string;
  service: string;
  entry: string;
  cwd: string;
  env: Record<string, string>;
  startup: ProbeTarget;
  liveness: ProbeTarget;
  readiness: ProbeTarget;
  /** SHUTDOWN_DELAY_MS the chart sets: readiness should be off this long after SIGTERM. */
  drainMs: number;
  /** terminationGracePeriodSeconds minus the preStop sleep: the stop must finish within it. */
  stopWithinMs: number;
  /** The registry's public service (the gateway): its API is called as the Ingress forwards requests. */
  publicApi: boolean;
}

export interface AgreementPlan {
  redis: { port: number; args: string[]; probes: ChartRedis['probes'] };
  services: ServicePlan[];
  resultFile: string;
}

export interface ServiceOutcome {
  deployment: string;
  startedAfterMs?: number;
  readyAfterMs?: number;
  live?: number;
  ready?: number;
  readyWhileDraining?: number;
  stopMs?: number;
  exit?: { code: number | null; signal: string | null };
  error?: string;
  logTail: string;
  /** What the public service answered once every service was ready (see PublicApiOutcome). */
  publicApi?: PublicApiOutcome;
}

/** The public API as a client reaches it: the paths it documents, and logins. */
export interface PublicApiOutcome {
  /** The paths of `GET /docs/openapi.json`. */
  documentedPaths: string[];
  // @example-begin
  /** A login forwarded as the Ingress forwards it (X-Forwarded-Proto: https, X-Forwarded-For). */
  forwardedLogin?: { status: number; setCookie: string[] };
  /** The same login as `kubectl port-forward` delivers it: plain HTTP from loopback. */
  plainLogin?: { status: number; setCookie: string[] };
  // @example-end
  error?: string;
}

export interface AgreementResult {
  /** Exit code of each Redis probe command (`sh probe.sh live 6379`, ...), by probe kind. */
  redisProbes: Record<string, number | null>;
  services: ServiceOutcome[];
  error?: string;
}

function probeTarget(container: IContainer, probe: IProbe | undefined, kind: string): ProbeTarget {
  if (!probe?.httpGet) throw new Error(`container ${container.name} has no HTTP ${kind} probe`);
  const { port, path } = probe.httpGet;
  const number = typeof port === 'number' ? port : (container.ports ?? []).find((p) => p.name === port)?.containerPort;
  if (number === undefined) throw new Error(`container ${container.name} ${kind} probe port "${port}" is not declared`);
  return {
    port: number,
    path: path ?? '/',
    periodSeconds: probe.periodSeconds ?? 10,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/** The service a container runs: the last path segment of its image name (`.../gateway:tag`). */
export function serviceOfImage(image: string): string {
  const name = image.split('@')[0]!.replace(/:[^/:]+$/, '');
  return name.slice(name.lastIndexOf('/') + 1);
}

/** Builds the plan for every Deployment of a rendered platform chart. */
export function agreementPlan(objects: readonly KubeObject[], namespace: string, workDir: string): AgreementPlan {
  const rewrite = clusterNamesToLoopback(objects, namespace);
  const publicService = readRegistry().find((entry) => entry.public)?.name;
  const redis = chartRedis(objects, namespace, join(workDir, 'redis'));
  const services = podTemplates(ofKind(objects, 'Deployment')).map((pod): ServicePlan => {
    const container = pod.spec.containers[0]!;
    const service = serviceOfImage(container.image ?? '');
    const view = containerView(objects, pod, container, {
      namespace,
      mountsRoot: join(workDir, 'pods', pod.owner.metadata.name),
      rewrite,
    });
    const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    return {
      deployment: describe(pod.owner),
      service,
      entry: repoPath('services', service, 'dist', 'main.js'),
      cwd: repoPath('services', service),
      // A container starts with the image's env (PATH, NODE_ENV from the Dockerfile) and the chart's.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', ...view.env },
      startup: probeTarget(container, container.startupProbe, 'startup'),
      liveness: probeTarget(container, container.livenessProbe, 'liveness'),
      readiness: probeTarget(container, container.readinessProbe, 'readiness'),
      drainMs: Number(view.env.SHUTDOWN_DELAY_MS ?? 0),
      stopWithinMs: (grace - preStop) * 1000,
      publicApi: service === publicService,
    };
  });
  mkdirSync(workDir, { recursive: true });
  return { redis: { port: redis.port, args: redis.args, probes: redis.probes }, services, resultFile: join(workDir, 'result.json') };
}

/**
 * How to run a command in a private network namespace with loopback up: `unshare --net` as
 * root, `unshare --map-root-user --net` otherwise; undefined where neither works (then the plan
 * runs on this machine's network and needs the chart's ports free).
 */
export function isolation(): string[] | undefined {
  const candidates = process.getuid?.() === 0 ? [['unshare', '--net']] : [['unshare', '--map-root-user', '--net']];
  for (const prefix of candidates) {
    const probe = spawnSync(prefix[0]!, [...prefix.slice(1), 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
    if (probe.status === 0) return [...prefix, 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'];
  }
  return undefined;
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(false)));
  });
}

/** The ports a plan listens on: Redis, and each service's probe ports and `*PORT` env values. */
export function planPorts(plan: AgreementPlan): number[] {
  const ports = new Set([plan.redis.port]);
  for (const service of plan.services) {
    for (const target of [service.startup, service.liveness, service.readiness]) ports.add(target.port);
    // Ports a service only connects to (LEGACY_TCP_PORT) are listened on by another service of the plan.
    for (const [key, value] of Object.entries(service.env)) if (/(^|_)PORT$/.test(key) && /^\d+$/.test(value)) ports.add(Number(value));
  }
  return [...ports].sort((a, b) => a - b);
}

/** Runs a plan (writes it beside its result file) and returns the runner's result. */
export async function runAgreement(plan: AgreementPlan, timeoutMs: number): Promise<{ result: AgreementResult; isolated: boolean; output: string }> {
  const runner = repoPath('deploy-checks', 'dist', 'agreement-runner.js');
  if (!existsSync(runner)) throw new Error(`${runner} does not exist: build the deploy-checks workspace first (npm run build -w deploy-checks)`);
  const planFile = plan.resultFile.replace(/result\.json$/, 'plan.json');
  writeFileSync(planFile, JSON.stringify(plan, null, 2));
  const prefix = isolation();
  if (!prefix) {
    // No network namespace here: the chart's ports must be free on this machine.
    const busy: number[] = [];
    for (const port of planPorts(plan)) if (await portInUse(port)) busy.push(port);
    if (busy.length > 0) {
      throw new Error(`ports ${busy.join(', ')} are in use and this machine cannot make a network namespace (unshare): free them to run the check`);
    }
  }
  const command = [...(prefix ?? []), process.execPath, runner, planFile];
  const { NODE_OPTIONS: _jestFlags, ...env } = process.env;
  const run = spawnSync(command[0]!, command.slice(1), { env, encoding: 'utf8', timeout: timeoutMs });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? `\n${run.error.message}` : ''}`;
  if (!existsSync(plan.resultFile)) throw new Error(`the agreement runner wrote no result (exit ${run.status}):\n${output}`);
  const result = JSON.parse(readFileSync(plan.resultFile, 'utf8')) as AgreementResult;
  return { result, isolated: prefix !== undefined, output };
}
