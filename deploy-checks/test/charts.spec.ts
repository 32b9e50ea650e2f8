import { readFileSync } from 'node:fs';
import { readRegistry } from '@platform/registry';
import { join } from 'node:path';
import { copyCharts, type ChartsCopy, helm, KUBE_VERSION } from '../src/helm.js';
import { ingressPaths, routesPath } from '../src/ingress.js';
import { allSchemaErrors } from '../src/kube-schema.js';
import { byName, type KubeObject, ofKind, secretValues } from '../src/manifests.js';
import { repoPath } from '../src/repo.js';
import { undocumentedValues } from '../src/values-docs.js';
import { NAMESPACE, renderError, renderPlatform, renderRedis, SCENARIOS } from './scenarios.js';

const SERVICES = readRegistry().map((service) => service.name);

let charts: ChartsCopy;
beforeAll(() => {
  charts = copyCharts();
});
afterAll(() => charts.remove());

describe.each(['redis', 'platform'] as const)('the %s chart', (chart) => {
  it.each(SCENARIOS)('passes helm lint --strict with ci/%s-values.yaml', (scenario) => {
    const dir = chart === 'redis' ? charts.redis : charts.platform;
    const output = helm(['lint', dir, '--strict', '--kube-version', KUBE_VERSION, '--values', join(dir, 'ci', `${scenario}-values.yaml`)]);
    expect(output).toContain('0 chart(s) failed');
  });

  it('passes helm lint --strict with its own defaults alone', () => {
    const dir = chart === 'redis' ? charts.redis : charts.platform;
    expect(helm(['lint', dir, '--strict', '--kube-version', KUBE_VERSION])).toContain('0 chart(s) failed');
  });

  it('documents every value with a `# --` comment', () => {
    expect(undocumentedValues(readFileSync(repoPath('charts', chart, 'values.yaml'), 'utf8'))).toEqual([]);
  });
});

describe.each(SCENARIOS)('rendered with ci/%s-values.yaml', (scenario) => {
  it.each([false, true])('validates against the Kubernetes 1.34 and Prometheus Operator schemas (operator installed: %s)', async (operator) => {
    const objects = [...renderPlatform(charts, scenario, { operator }), ...renderRedis(charts, scenario, operator)];
    expect(objects.length).toBeGreaterThan(10);
    expect(await allSchemaErrors(objects)).toEqual([]);
  });

  it('sizes terminationGracePeriodSeconds to the preStop sleep and the drain it configures', () => {
    const objects = renderPlatform(charts, scenario);
    for (const deployment of ofKind(objects, 'Deployment')) {
      const pod = (deployment.spec!.template as { spec: { terminationGracePeriodSeconds: number; containers: Array<{ lifecycle: { preStop: { sleep: { seconds: number } } } }> } }).spec;
      const env = byName(objects, 'ConfigMap', deployment.metadata.name).data!;
      const drainSeconds = Math.ceil((Number(env.SHUTDOWN_DELAY_MS) + Number(env.SHUTDOWN_TIMEOUT_MS)) / 1000);
      const preStop = pod.containers[0]!.lifecycle.preStop.sleep.seconds;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + drainSeconds + 1);
    }
  });
});

describe('the Ingress', () => {
  it.each(SCENARIOS)('routes the public API only, with ci/%s-values.yaml: not /metrics, /health or /admin', (scenario) => {
    const [ingress, ...others] = ofKind(renderPlatform(charts, scenario, { set: ['ingress.enabled=true'] }), 'Ingress');
    expect(others).toEqual([]);
    const paths = ingressPaths(ingress!);
    for (const internal of ['/', '/metrics', '/health/live', '/health/ready', '/admin', '/admin/queues', '/admin/queues/api/queues', '/admin/config']) {
      expect({ internal, routed: routesPath(paths, internal) }).toEqual({ internal, routed: false });
    }
    expect(routesPath(paths, '/docs/openapi.json')).toBe(true);
  });

  it('refuses a path that would route everything or an internal prefix', () => {
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['ingress.enabled=true', 'ingress.paths={/docs,/}'] }))).toMatch(/ingress\/paths\/1.*does not match pattern/s);
    for (const path of ['/admin', '/admin/queues', '/metrics/', '/health']) {
      expect(renderError(() => renderPlatform(charts, 'default', { set: ['ingress.enabled=true', `ingress.paths={/docs,${path}}`] }))).toMatch(
        new RegExp(`ingress.paths: ${path} is not public`),
      );
    }
  });
});

describe('monitoring objects', () => {
  it('renders no ServiceMonitor or PrometheusRule on a cluster without the CRDs, even when enabled', () => {
    const kinds = renderPlatform(charts, 'ha').map((object) => object.kind);
    expect(kinds).not.toContain('ServiceMonitor');
    expect(kinds).not.toContain('PrometheusRule');
  });

  it('renders a ServiceMonitor per service and the alert rules where the CRDs exist', () => {
    const objects = renderPlatform(charts, 'default', { operator: true });
    const monitors = ofKind(objects, 'ServiceMonitor').map((monitor) => monitor.metadata.name).sort();
    expect(monitors).toEqual(SERVICES.map((service) => `platform-${service}`).sort());
    const alerts = readFileSync(repoPath('charts', 'platform', 'files', 'prometheus', 'alerts.yml'), 'utf8');
    const rule = ofKind(objects, 'PrometheusRule');
    expect(rule).toHaveLength(1);
    const groups = (rule[0]!.spec as { groups: Array<{ name: string }> }).groups;
    for (const group of groups) expect(alerts).toContain(group.name);
  });

  it('renders none when they are switched off', () => {
    const objects = renderPlatform(charts, 'minimal', { operator: true });
    expect(ofKind(objects, 'ServiceMonitor')).toEqual([]);
    expect(ofKind(objects, 'PrometheusRule')).toEqual([]);
  });

  it('ships every dashboard as a ConfigMap the Grafana sidecar picks up', () => {
    const objects = renderPlatform(charts, 'default');
    const dashboards = ofKind(objects, 'ConfigMap').filter((map) => map.metadata.labels?.grafana_dashboard === '1');
    expect(dashboards.length).toBeGreaterThan(0);
    for (const dashboard of dashboards) {
      for (const json of Object.values(dashboard.data!)) expect(() => JSON.parse(json) as unknown).not.toThrow();
    }
  });
});

describe('values and secrets', () => {
  it('rejects unknown keys, wrong types and the latest tag through values.schema.json', () => {
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['services.gateway.prot=1'] }))).toMatch(/additional properties 'prot'/);
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['services.ghost.replicaCount=1'] }))).toMatch(
      /services\.ghost: no such service in the registry/,
    );
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['common.pdb.enabled=maybe'] }))).toMatch(/pdb\/enabled/);
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['image.tag=latest'] }))).toMatch(/image\/tag/);
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['secrets.adminToken=too-short'] }))).toMatch(/adminToken/);
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['secrets.sessionSecret=too-short'] }))).toMatch(/sessionSecret/); // @example
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['redis.image.tag=latest'] }))).toMatch(/image\/tag/);
  });

  it('refuses settings that cannot work, saying what to change', () => {
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['redis.config.maxmemoryPolicy=allkeys-lru'] }))).toMatch(/must stay noeviction/);
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['redis.sentinel.enabled=true'] }))).toMatch(/needs architecture: replication/);
    // ACL users are derived, except with an existing Secret: the chart holds no passwords then.
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['redisAcl.enabled=true', 'secrets.existingSecret=mine', 'redis.auth.existingSecret=mine'] }))).toMatch(/add \{name: \w+/);
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['secrets.existingSecret=mine'] }))).toMatch(/set redis.auth.existingSecret/);
  });

  it('puts the Redis password into REDIS_URL percent-encoded, so any character survives', () => {
    const password = 'p@ss:w/rd?#%';
    const objects = renderPlatform(charts, 'default', { set: [`redis.auth.password=${password}`] });
    const url = new URL(secretValues(byName(objects, 'Secret', 'platform-secrets'))['redis-url']!);
    expect(decodeURIComponent(url.password)).toBe(password);
    expect(url.host).toBe('platform-redis:6379');
  });

  it('points services at Sentinel in the HA scenario, and at their own ACL user', () => {
    const objects = renderPlatform(charts, 'ha');
    const env = byName(objects, 'ConfigMap', 'platform-gateway').data!;
    expect(env.REDIS_SENTINELS).toBe('platform-redis:26379');
    expect(env.REDIS_SENTINEL_PASSWORD_FILE).toBe('/var/run/secrets/platform/redis-sentinel-password');
    const url = new URL(secretValues(byName(objects, 'Secret', 'platform-secrets'))['redis-url-gateway']!);
    expect(url.username).toBe('gateway');
    const redis = byName(objects, 'StatefulSet', 'platform-redis');
    expect((redis.spec!.template as { spec: { containers: Array<{ name: string }> } }).spec.containers.map((c) => c.name)).toEqual(['redis', 'sentinel', 'acl-sync', 'metrics']);
  });

  it('speaks TLS to Redis when the Redis chart serves TLS, trusting its CA from the certificate Secret', async () => {
    const objects = renderPlatform(charts, 'default', { operator: true, set: ['redis.tls.enabled=true', 'redis.tls.existingSecret=redis-tls'] });
    expect(await allSchemaErrors(objects)).toEqual([]);
    expect(secretValues(byName(objects, 'Secret', 'platform-secrets'))['redis-url']).toMatch(/^rediss:\/\//);
    expect(byName(objects, 'ConfigMap', 'platform-gateway').data!.REDIS_TLS_CA_FILE).toBe('/var/run/secrets/redis-tls/ca.crt');
    expect(byName(objects, 'ConfigMap', 'platform-redis').data!['redis.conf']).toMatch(/^port 0$[\s\S]*^tls-port 6379$/m);
  });

  it('uses an external Redis when the bundled one is off', async () => {
    const objects = renderPlatform(charts, 'default', { set: ['redis.enabled=false', 'externalRedis.host=redis.example.internal', 'externalRedis.sentinels=s1:26379\\,s2:26379'] });
    expect(await allSchemaErrors(objects)).toEqual([]);
    expect(objects.some((object) => object.kind === 'StatefulSet')).toBe(false);
    expect(new URL(secretValues(byName(objects, 'Secret', 'platform-secrets'))['redis-url']!).host).toBe('redis.example.internal:6379');
    expect(byName(objects, 'ConfigMap', 'platform-gateway').data!.REDIS_SENTINELS).toBe('s1:26379,s2:26379');
  });

  it('keeps every plain setting in the ConfigMap and every secret out of it', () => {
    const objects: KubeObject[] = renderPlatform(charts, 'default');
    const gateway = byName(objects, 'ConfigMap', 'platform-gateway').data!;
    expect(gateway.PORT).toBe('3000');
    expect(gateway).toMatchObject({ LEGACY_TCP_HOST: 'platform-legacy', LEGACY_TCP_PORT: '4000', DEV_ENDPOINTS: 'false' }); // @example
    expect(gateway.ADMIN_TOKEN_FILE).toBe('/var/run/secrets/platform/admin-token');
    expect(gateway).not.toHaveProperty('ADMIN_TOKEN');
    expect(byName(objects, 'Secret', 'platform-secrets').metadata.namespace ?? NAMESPACE).toBe(NAMESPACE);
  });
});
