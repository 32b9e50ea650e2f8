import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agreementPlan, type AgreementPlan, type AgreementResult, runAgreement } from '../src/agreement.js';
import { copyCharts, type ChartsCopy } from '../src/helm.js';
import { ingressPaths, routesPath } from '../src/ingress.js';
import { type KubeObject, ofKind } from '../src/manifests.js';
import { repoPath } from '../src/repo.js';
import { NAMESPACE, renderPlatform } from './scenarios.js';

/**
 * Chart and code agree: each rendered Deployment's service is started from services/<name>/dist
 * with the env and secret files the chart gives it (cluster names pointed at 127.0.0.1, Redis
 * configured by the Redis chart's own init script), in a private network namespace so the
 * chart's ports are used as declared. Then its probes must answer where the chart looks, its
 * readiness must turn off while it drains, and it must stop within the grace period.
 */
let charts: ChartsCopy;
const workDirs: string[] = [];
beforeAll(() => {
  charts = copyCharts();
});
afterAll(() => {
  charts.remove();
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

async function run(set: string[], scenario: 'default' | 'ha'): Promise<{ objects: KubeObject[]; plan: AgreementPlan; result: AgreementResult; output: string }> {
  // With the Ingress: what it routes is checked against what the gateway serves.
  const objects = renderPlatform(charts, scenario, { set: [...set, 'ingress.enabled=true'] });
  const dir = mkdtempSync(join(tmpdir(), 'agreement-'));
  workDirs.push(dir);
  const plan = agreementPlan(objects, NAMESPACE, dir);
  // One Deployment per service folder, each running that service's image.
  expect(plan.services.map((service) => service.service).sort()).toEqual(readdirSync(repoPath('services')).sort());
  const { result, output } = await runAgreement(plan, 150_000);
  return { objects, plan, result, output };
}

/** An API document's path with each `{parameter}` filled in, as a request would have it. */
function withParameters(path: string): string {
  return path.replaceAll(/\{[^}]+\}/g, 'x');
}

/** Paths only operators reach, inside the cluster: never routed by the Ingress. */
const INTERNAL = /^\/(admin|health|metrics|dev)(\/|$)/;

/**
 * The public service, started with the chart's env, answers as the chart's Ingress and guide
 * promise: the Ingress routes every public path of its API document and none of the internal
 * ones; a login forwarded as the Ingress forwards it gets its session cookie (Secure with
 * COOKIE_SECURE), and one over the guide's `kubectl port-forward` (plain HTTP) gets it too
 * where the values serve plain HTTP, or a 403 where the cookie is Secure (never a 200 without it).
 */
function expectPublicApi(objects: readonly KubeObject[], plan: AgreementPlan, result: AgreementResult): void {
  const service = plan.services.find((candidate) => candidate.publicApi)!;
  const outcome = result.services.find((candidate) => candidate.deployment === service.deployment)!.publicApi;
  expect(outcome?.error).toBeUndefined();
  const paths = ingressPaths(ofKind(objects, 'Ingress')[0]!);
  const documented = outcome!.documentedPaths.map(withParameters);
  expect(documented.filter((path) => !INTERNAL.test(path)).filter((path) => !routesPath(paths, path))).toEqual([]);
  expect([...documented, '/metrics', '/health/live', '/health/ready', '/admin', '/admin/queues'].filter((path) => INTERNAL.test(path) && routesPath(paths, path))).toEqual([]);
  // @example-begin
  const secure = service.env.COOKIE_SECURE === 'true';
  const plainCookie = expect.stringMatching(/^sid=[^;]+;/);
  const secureCookie = expect.stringMatching(/^__Host-sid=[^;]+;.*Secure/);
  expect(outcome!.forwardedLogin).toEqual({ status: 200, setCookie: [secure ? secureCookie : plainCookie] });
  expect(outcome!.plainLogin).toEqual(secure ? { status: 403, setCookie: [] } : { status: 200, setCookie: [plainCookie] });
  // @example-end
}

function expectAgreement(plan: AgreementPlan, result: AgreementResult, output: string): void {
  if (result.error) throw new Error(`the runner failed: ${result.error}\n${output}`);
  expect(result.redisProbes).toEqual({ startupProbe: 0, livenessProbe: 0, readinessProbe: 0 });
  for (const service of plan.services) {
    const outcome = result.services.find((candidate) => candidate.deployment === service.deployment)!;
    const context = `${service.deployment}: ${outcome.error ?? ''}\n${outcome.logTail}`;
    expect({ context, error: outcome.error }).toEqual({ context, error: undefined });
    expect({ context, live: outcome.live, ready: outcome.ready }).toEqual({ context, live: 200, ready: 200 });
    // The chart drains (SHUTDOWN_DELAY_MS > 0): halfway through, readiness must already be off.
    expect(service.drainMs).toBeGreaterThan(0);
    expect({ context, readyWhileDraining: outcome.readyWhileDraining }).toEqual({ context, readyWhileDraining: 503 });
    expect({ context, exit: outcome.exit }).toEqual({ context, exit: { code: 0, signal: null } });
    expect(outcome.stopMs).toBeLessThan(service.stopWithinMs);
  }
}

describe('chart and code agree', () => {
  it('ci/default-values.yaml: every service starts from the chart env, answers its probes, serves what the Ingress routes, drains and stops in time', async () => {
    const { objects, plan, result, output } = await run([], 'default');
    expectAgreement(plan, result, output);
    expectPublicApi(objects, plan, result);
  }, 180_000);

  it('ci/ha-values.yaml with ACL users (Sentinel off): every service works as its own Redis user', async () => {
    const { objects, plan, result, output } = await run(['redis.sentinel.enabled=false'], 'ha');
    // Redis, configured by its chart's init.sh, has every service's user: none is listed in values.
    const users = plan.redis.args.flatMap((arg, i) => (arg === '--user' ? [plan.redis.args[i + 1]!] : []));
    expect(users).toEqual(expect.arrayContaining(plan.services.map((service) => service.service)));
    expectAgreement(plan, result, output);
    // The chart's own gateway env (COOKIE_SECURE=true, TRUST_PROXY for its Ingress).
    expectPublicApi(objects, plan, result);
  }, 180_000);
});
