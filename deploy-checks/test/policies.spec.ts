import { copyCharts, type ChartsCopy } from '../src/helm.js';
import { schemaErrors } from '../src/kube-schema.js';
import { byName, type KubeObject } from '../src/manifests.js';
import {
  ALL_RULES,
  checkPolicies,
  hpaTargetsDeployment,
  networkPolicyForEveryPod,
  noLatestTag,
  noSecretsInConfigMaps,
  pdbForReplicatedWorkloads,
  probePortsDeclared,
  probesPresentAndDistinct,
  resourcesSet,
  restrictedSecurityContext,
  type Rule,
  servicesTargetPods,
} from '../src/policies.js';
import { renderPlatform, renderRedis } from './scenarios.js';

let charts: ChartsCopy;
let defaults: KubeObject[];
beforeAll(() => {
  charts = copyCharts();
  defaults = renderPlatform(charts, 'default', { operator: true });
});
afterAll(() => charts.remove());

describe('policy checks over the rendered charts', () => {
  it.each(['default', 'ha'] as const)('ci/%s-values.yaml passes every rule', (scenario) => {
    const objects = [...renderPlatform(charts, scenario, { operator: true }), ...renderRedis(charts, scenario, true)];
    expect(checkPolicies(objects)).toEqual([]);
  });

  it('ci/minimal-values.yaml passes every rule but the NetworkPolicy one (it turns policies off)', () => {
    const { networkPolicyForEveryPod: _off, ...rules } = ALL_RULES;
    expect(checkPolicies(renderPlatform(charts, 'minimal'), Object.values(rules))).toEqual([]);
  });
});

// Each rule must catch the fault it exists for: break one rendered object, expect a violation.
type Pod = { spec: { containers: Array<Record<string, unknown>>; [key: string]: unknown } };
const mutated = (change: (objects: KubeObject[]) => void): KubeObject[] => {
  const copy = structuredClone(defaults);
  change(copy);
  return copy;
};
const gatewayPod = (objects: KubeObject[]) => (byName(objects, 'Deployment', 'platform-gateway').spec!.template as Pod).spec;
const gatewayContainer = (objects: KubeObject[]) => gatewayPod(objects).containers[0]!;

describe.each<[string, Rule, (objects: KubeObject[]) => void]>([
  ['a missing CPU limit', resourcesSet, (o) => delete (gatewayContainer(o).resources as { limits: Record<string, unknown> }).limits.cpu],
  ['identical liveness and readiness probes', probesPresentAndDistinct, (o) => (gatewayContainer(o).readinessProbe = gatewayContainer(o).livenessProbe)],
  ['a missing readiness probe', probesPresentAndDistinct, (o) => delete gatewayContainer(o).readinessProbe],
  ['a probe on an undeclared port', probePortsDeclared, (o) => ((gatewayContainer(o).livenessProbe as { httpGet: { port: string } }).httpGet.port = 'htp')],
  ['privilege escalation', restrictedSecurityContext, (o) => ((gatewayContainer(o).securityContext as Record<string, unknown>).allowPrivilegeEscalation = true)],
  ['a writable root filesystem', restrictedSecurityContext, (o) => ((gatewayContainer(o).securityContext as Record<string, unknown>).readOnlyRootFilesystem = false)],
  ['a low uid', restrictedSecurityContext, (o) => ((gatewayPod(o).securityContext as Record<string, unknown>).runAsUser = 1000)],
  ['hostNetwork', restrictedSecurityContext, (o) => (gatewayPod(o).hostNetwork = true)],
  ['the latest tag', noLatestTag, (o) => (gatewayContainer(o).image = 'nest-redis-platform/gateway:latest')],
  ['an untagged image', noLatestTag, (o) => (gatewayContainer(o).image = 'nest-redis-platform/gateway')],
  ['a replicated workload without a PDB', pdbForReplicatedWorkloads, (o) => o.splice(o.indexOf(byName(o, 'PodDisruptionBudget', 'platform-gateway')), 1)],
  ['a pod no NetworkPolicy selects', networkPolicyForEveryPod, (o) => o.splice(o.indexOf(byName(o, 'NetworkPolicy', 'platform-gateway')), 1)],
  ['a password in a ConfigMap', noSecretsInConfigMaps, (o) => (byName(o, 'ConfigMap', 'platform-gateway').data!.REDIS_URL = 'redis://:hunter2hunter2@platform-redis:6379')],
  ['a Secret value copied into a ConfigMap', noSecretsInConfigMaps, (o) => (byName(o, 'ConfigMap', 'platform-gateway').data!.NOTE = 'ci-admin-token-0123456789')],
  ['a Service whose target port no pod declares', servicesTargetPods, (o) => ((byName(o, 'Service', 'platform-gateway').spec!.ports as Array<{ targetPort: string }>)[0]!.targetPort = 'rpc')],
  ['replicas fixed beside an HPA', hpaTargetsDeployment, (o) => o.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'platform-gateway' } } })],
])('the rule against %s', (_fault, rule, breakIt) => {
  it('passes the chart as rendered and flags the fault', () => {
    expect(rule(defaults)).toEqual([]);
    expect(rule(mutated(breakIt)).length).toBeGreaterThan(0);
  });
});

describe('schema validation', () => {
  it('reports a wrong type and an unknown kind', async () => {
    const broken = mutated((o) => ((gatewayContainer(o).ports as Array<Record<string, unknown>>)[0]!.containerPort = 'http'));
    expect(await schemaErrors(byName(broken, 'Deployment', 'platform-gateway'))).toEqual([expect.stringMatching(/containerPort must be integer/)]);
    expect(await schemaErrors({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'Widget/w: no schema for example.com/v1 Widget',
    ]);
  });
});
