import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRegistry } from '@platform/registry';
import { parse } from 'yaml';
import { copyCharts, type ChartsCopy, helm } from '../src/helm.js';
import { byName, type KubeObject, ofKind, podTemplates, secretValues } from '../src/manifests.js';
import { ORDERS_ENTRY, renderError, renderPlatform, renderRedis, SCENARIOS } from './scenarios.js';

/** Render checks for the Redis chart and the platform's use of it (issue 15). */

let charts: ChartsCopy;
beforeAll(() => {
  charts = copyCharts();
});
afterAll(() => charts.remove());

type Pod = ReturnType<typeof podTemplates>[number];
const podOf = (objects: KubeObject[], kind: string, name: string): Pod => podTemplates([byName(objects, kind, name)])[0]!;
const checksum = (objects: KubeObject[]) => podTemplates(ofKind(objects, 'StatefulSet'))[0]!.owner.spec!.template as { metadata: { annotations: Record<string, string> } };
const secretItems = (pod: Pod) => (pod.spec.volumes ?? []).find((volume) => volume.name === 'secrets')?.secret?.items?.map((item) => item.key) ?? [];

/** Bytes in a Kubernetes quantity (`640Mi`) or a redis.conf size (`200mb`: Redis' mb is MiB). */
function bytes(size: string): number {
  const match = /^(\d+)\s*(k|kb|ki|m|mb|mi|g|gb|gi)?$/i.exec(size.trim());
  if (!match) throw new Error(`not a size: ${size}`);
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1;
  return Number(match[1]) * factor;
}

describe('Redis images', () => {
  it.each(SCENARIOS)('run Redis 8.2.2 or later (the Lua CVE fixes) and the exporter, both pinned by digest (ci/%s-values.yaml)', (scenario) => {
    for (const objects of [renderRedis(charts, scenario), renderPlatform(charts, scenario)]) {
      const pod = podTemplates(ofKind(objects, 'StatefulSet'))[0]!;
      const images = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((container) => container.image!);
      for (const image of images) expect(image).toMatch(/^(redis|oliver006\/redis_exporter):v?[\d.]+@sha256:[0-9a-f]{64}$/);
      const versions = images.map((image) => /^redis:(\d+)\.(\d+)\.(\d+)@/.exec(image)).filter((match) => match !== null);
      expect(versions.length).toBeGreaterThan(0);
      for (const [, major, minor, patch] of versions) expect(Number(major) * 1e6 + Number(minor) * 1e3 + Number(patch)).toBeGreaterThanOrEqual(8_002_002);
    }
  });
});

describe('Redis secrets', () => {
  it('roll the Redis pods when a password changes (checksum/secret), with the chart\'s Secret or the platform\'s', () => {
    const redisA = checksum(renderRedis(charts, 'default')).metadata.annotations['checksum/secret'];
    const platformA = checksum(renderPlatform(charts, 'default')).metadata.annotations['checksum/secret'];
    const platformB = checksum(renderPlatform(charts, 'default', { set: ['redis.auth.password=rotated-password'] })).metadata.annotations['checksum/secret'];
    expect(redisA).toMatch(/^[0-9a-f]{64}$/);
    expect(platformA).toMatch(/^[0-9a-f]{64}$/);
    expect(platformB).not.toBe(platformA);
  });

  it('give each service pod only its own ACL user\'s password and Sentinel\'s, never the default user\'s', () => {
    const objects = renderPlatform(charts, 'ha');
    for (const deployment of ofKind(objects, 'Deployment')) {
      const service = deployment.metadata.labels!['app.kubernetes.io/component']!;
      const keys = secretItems(podOf(objects, 'Deployment', deployment.metadata.name)).filter((key) => key.startsWith('redis'));
      expect(keys.sort()).toEqual([`redis-url-${service}`, 'redis-sentinel-password'].sort());
    }
  });

  it('mount only the Redis passwords into the Redis pods, not the rest of the platform Secret', () => {
    const objects = renderPlatform(charts, 'ha');
    const keys = secretItems(podOf(objects, 'StatefulSet', 'platform-redis'));
    expect(keys).toContain('redis-password');
    expect(keys).toContain('redis-sentinel-password');
    expect(keys).toContain('redis-exporter-password');
    for (const key of keys) expect(key).toMatch(/^redis-(password|sentinel-password|exporter-password|acl-[a-z-]+)$/);
    // Every mounted key exists in the Secret the chart points at.
    const secret = secretValues(byName(objects, 'Secret', 'platform-secrets'));
    for (const key of keys) expect(secret).toHaveProperty([key]);
  });

  it('let the exporter log in as a read-only user without keys when ACL users are on', () => {
    const objects = renderPlatform(charts, 'ha');
    const metrics = podOf(objects, 'StatefulSet', 'platform-redis').spec.containers.find((container) => container.name === 'metrics')!;
    expect(metrics.env?.find((variable) => variable.name === 'REDIS_USER')?.value).toBe('redis-exporter');
    expect(metrics.env?.find((variable) => variable.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef?.key).toBe('redis-exporter-password');
    const line = byName(objects, 'ConfigMap', 'platform-redis').data!['acl-users']!.split('\n').find((entry) => entry.trim().startsWith('redis-exporter '))!;
    expect(line).toMatch(/resetkeys/);
    expect(line).toMatch(/-@all/);
    expect(line).not.toMatch(/~|\+@(write|all|dangerous|admin)/);
  });
});

/** The users file of the platform's ACL users Secret, by name: {passwordKey, rules}. */
function aclUsers(objects: KubeObject[]): Map<string, { passwordKey: string; rules: string }> {
  const lines = secretValues(byName(objects, 'Secret', 'platform-redis-acl')).users!.split('\n').filter((line) => line.trim());
  return new Map(lines.map((line) => {
    const [name, passwordKey, ...rules] = line.split(' ');
    return [name!, { passwordKey: passwordKey!, rules: rules.join(' ') }];
  }));
}

describe('Redis ACL users, derived from the service registry (redisAcl.enabled)', () => {
  const services = readRegistry().map((service) => service.name).sort();

  it('the HA scenario lists none of them', () => {
    const values = parse(readFileSync(join(charts.platform, 'ci', 'ha-values.yaml'), 'utf8')) as { redisAcl: { enabled: boolean }; redis: { auth: { acl?: unknown } } };
    expect(values.redisAcl.enabled).toBe(true);
    expect(values.redis.auth.acl).toBeUndefined();
  });

  it('give every service a user, a password key and a URL with that user and password', () => {
    const objects = renderPlatform(charts, 'ha');
    const platform = secretValues(byName(objects, 'Secret', 'platform-secrets'));
    const acl = secretValues(byName(objects, 'Secret', 'platform-redis-acl'));
    const users = aclUsers(objects);
    expect([...users.keys()].sort()).toEqual(services);
    for (const service of services) {
      expect(users.get(service)!.passwordKey).toBe(`redis-acl-${service}`);
      const password = platform[`redis-acl-${service}`]!;
      expect(password).toMatch(/^\w{32}$/);
      // The Redis pods read the same password the service's URL carries.
      expect(acl[`redis-acl-${service}`]).toBe(password);
      const url = new URL(platform[`redis-url-${service}`]!);
      expect([url.username, decodeURIComponent(url.password)]).toEqual([service, password]);
    }
    // The ACL users Secret holds the users file and their passwords, nothing else (the Redis pods mount it whole).
    expect(Object.keys(acl).sort()).toEqual(['users', ...services.map((service) => `redis-acl-${service}`)].sort());
  });

  it('map each service\'s registry `redis` access to its rules: read-only reads, never writes', () => {
    const users = aclUsers(renderPlatform(charts, 'ha'));
    const rulesOf = (access: string) => readRegistry().filter((service) => service.redis === access).map((service) => users.get(service.name)!.rules);
    expect(rulesOf('read-only').length).toBeGreaterThan(0);
    for (const rules of rulesOf('read-only')) {
      expect(rules).toMatch(/-@all .*\+@read/);
      expect(rules).not.toMatch(/\+@(all|write)/);
    }
    expect(new Set(rulesOf('read-write'))).toEqual(new Set(['~* &* +@all -@admin -@dangerous +info']));
  });

  it('have the Redis pods load that Secret: the init container and acl-sync mount it', () => {
    const objects = renderPlatform(charts, 'ha');
    const pod = podOf(objects, 'StatefulSet', 'platform-redis');
    expect(pod.spec.volumes!.find((volume) => volume.name === 'acl')!.secret?.secretName).toBe('platform-redis-acl');
    for (const container of [pod.spec.initContainers!.find((c) => c.name === 'config')!, pod.spec.containers.find((c) => c.name === 'acl-sync')!]) {
      expect(container.volumeMounts).toEqual(expect.arrayContaining([{ name: 'acl', mountPath: '/opt/redis/acl', readOnly: true }]));
    }
  });

  it('give a service added to the registry its user, with no change of values', () => {
    const file = join(charts.platform, 'services', 'orders.json');
    writeFileSync(file, JSON.stringify(ORDERS_ENTRY));
    try {
      const objects = renderPlatform(charts, 'ha');
      expect(aclUsers(objects).get('orders')).toEqual({ passwordKey: 'redis-acl-orders', rules: '~* &* +@all -@admin -@dangerous +info' });
      expect(new URL(secretValues(byName(objects, 'Secret', 'platform-secrets'))['redis-url-orders']!).username).toBe('orders');
      expect(secretValues(byName(objects, 'Secret', 'platform-redis-acl'))).toHaveProperty(['redis-acl-orders']);
    } finally {
      rmSync(file);
    }
  });

  it('let redis.auth.acl.users override a service\'s user (rules, password) and add extra users', () => {
    const objects = renderPlatform(charts, 'ha', {
      setJson: ['redis.auth.acl.users=[{"name":"gateway","passwordKey":"redis-acl-gateway","password":"given-password","rules":"~gw:* +@all"},{"name":"reporting","passwordKey":"redis-acl-reporting","password":"r","rules":"~* +@read"}]'],
    });
    // The override is the Redis chart's own user now, not a derived one; the service's URL carries its password.
    expect(aclUsers(objects).has('gateway')).toBe(false);
    const own = byName(objects, 'ConfigMap', 'platform-redis').data!['acl-users']!;
    expect(own).toMatch(/^\s*gateway redis-acl-gateway ~gw:\* \+@all$/m);
    expect(own).toMatch(/^\s*reporting redis-acl-reporting ~\* \+@read$/m);
    const platform = secretValues(byName(objects, 'Secret', 'platform-secrets'));
    expect(decodeURIComponent(new URL(platform['redis-url-gateway']!).password)).toBe('given-password');
    expect(renderError(() => renderPlatform(charts, 'ha', { setJson: ['redis.auth.acl.users=[{"name":"gateway","passwordKey":"gw"}]'] }))).toMatch(/passwordKey must be redis-acl-gateway/);
  });

  it('are none without redisAcl.enabled: an empty users file, and the services share redis-url', () => {
    const objects = renderPlatform(charts, 'default');
    expect(secretValues(byName(objects, 'Secret', 'platform-redis-acl'))).toEqual({ users: '' });
    expect(Object.keys(secretValues(byName(objects, 'Secret', 'platform-secrets'))).filter((key) => key.startsWith('redis-acl-'))).toEqual([]);
  });
});

/** Every ingress rule either names its peers or belongs to the public gateway's HTTP port. */
function openRules(objects: KubeObject[]): string[] {
  const open: string[] = [];
  for (const policy of ofKind(objects, 'NetworkPolicy')) {
    const rules = (policy.spec!.ingress ?? []) as Array<{ from?: unknown[] | null; ports: Array<{ port: string }> }>;
    for (const rule of rules) {
      if (rule.from && rule.from.length > 0) continue;
      const ports = rule.ports.map((port) => port.port).join(',');
      if (policy.metadata.name === 'platform-gateway' && ports === 'http') continue;
      open.push(`${policy.metadata.name}:${ports}`);
    }
  }
  return open;
}

describe('NetworkPolicies fail closed', () => {
  it.each([
    ['metrics.scrapeFrom (and no allowFrom)', ['metrics.scrapeFrom=null']],
    ['redis.networkPolicy.metricsFrom', ['redis.networkPolicy.metricsFrom=null']],
    // @example-begin
    ['services.legacy.extraPorts[0].from', ['services.legacy.extraPorts[0].name=tcp', 'services.legacy.extraPorts[0].port=4000', 'services.legacy.extraPorts[0].env=TCP_PORT', 'services.legacy.extraPorts[0].from={}']],
    // @example-end
    ['common.networkPolicy.allowFrom', ['common.networkPolicy.allowFrom=null']],
  ])('render no rule open to every source when %s is empty', (_list, set) => {
    const objects = renderPlatform(charts, 'ha', { set });
    expect(ofKind(objects, 'NetworkPolicy').length).toBeGreaterThan(1);
    expect(openRules(objects)).toEqual([]);
  });

  it('and the defaults open only the gateway to everyone', () => {
    expect(openRules(renderPlatform(charts, 'ha'))).toEqual([]);
    const gateway = byName(renderPlatform(charts, 'ha'), 'NetworkPolicy', 'platform-gateway');
    expect(JSON.stringify(gateway.spec!.ingress)).toContain('"port":"http"');
  });

  it('refuse an empty peer, which would select every pod', () => {
    expect(renderError(() => renderPlatform(charts, 'default', { setJson: ['metrics.scrapeFrom=[{}]'] }))).toMatch(/scrapeFrom/);
    expect(renderError(() => renderPlatform(charts, 'default', { setJson: ['redis.networkPolicy.metricsFrom=[{}]'] }))).toMatch(/metricsFrom/);
  });
});

describe('Redis replication without Sentinel', () => {
  it('sends the platform\'s writes to a Service that selects the primary alone', () => {
    const objects = renderPlatform(charts, 'default', { set: ['redis.architecture=replication', 'redis.replicas=3'] });
    const primary = byName(objects, 'Service', 'platform-redis-primary');
    expect(primary.spec!.selector).toMatchObject({ 'statefulset.kubernetes.io/pod-name': 'platform-redis-0', 'app.kubernetes.io/component': 'redis' });
    expect(new URL(secretValues(byName(objects, 'Secret', 'platform-secrets'))['redis-url']!).host).toBe('platform-redis-primary:6379');
  });

  it('says in NOTES where writes go and that the client Service is for reads only', () => {
    const output = helm(['install', 'cache', charts.redis, '--dry-run=client', '--set', 'architecture=replication', '--set', 'auth.password=x']);
    const notes = output.slice(output.indexOf('NOTES:'));
    expect(notes).toMatch(/^Writes \(the primary, pod 0\): redis:\/\/cache-redis-primary\./m);
    expect(notes).toMatch(/^Reads only .*redis:\/\/cache-redis\./m);
  });

  it('has no such Service with Sentinel (clients ask Sentinel) or standalone', () => {
    for (const objects of [renderPlatform(charts, 'ha'), renderPlatform(charts, 'default')]) {
      expect(objects.some((object) => object.kind === 'Service' && object.metadata.name === 'platform-redis-primary')).toBe(false);
    }
  });
});

describe('Redis memory', () => {
  it.each(SCENARIOS)('leaves room above maxmemory for a fork\'s copy-on-write and every replica\'s output buffer (ci/%s-values.yaml)', (scenario) => {
    for (const objects of [renderRedis(charts, scenario), renderPlatform(charts, scenario)]) {
      const set = ofKind(objects, 'StatefulSet')[0]!;
      const conf = ofKind(objects, 'ConfigMap').find((map) => map.data?.['redis.conf'])!.data!['redis.conf']!;
      const maxmemory = bytes(/^maxmemory (\S+)$/m.exec(conf)![1]!);
      const bufferHardLimit = bytes(/^client-output-buffer-limit replica (\S+) /m.exec(conf)![1]!);
      const replicas = Number(set.spec!.replicas) - 1;
      const redis = podTemplates([set])[0]!.spec.containers.find((container) => container.name === 'redis')!;
      const limit = bytes(String(redis.resources!.limits!.memory));
      expect(limit).toBeGreaterThanOrEqual(2 * maxmemory + replicas * bufferHardLimit + 50 * 1024 ** 2);
      expect(String(redis.resources!.requests!.memory)).toBe(String(redis.resources!.limits!.memory));
    }
  });
});

describe('metrics-exporter', () => {
  it('runs as a singleton: one pod, rolled with Recreate', () => {
    for (const scenario of SCENARIOS) {
      const objects = renderPlatform(charts, scenario);
      const deployment = byName(objects, 'Deployment', 'platform-metrics-exporter');
      expect(deployment.spec!.replicas).toBe(1);
      expect(deployment.spec!.strategy).toEqual({ type: 'Recreate' });
      expect(objects.some((object) => object.kind === 'HorizontalPodAutoscaler' && object.metadata.name === 'platform-metrics-exporter')).toBe(false);
    }
  });

  it('refuses a second replica or an autoscaler for it', () => {
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['services.metrics-exporter.replicaCount=2'] }))).toMatch(/metrics-exporter runs exactly one pod/);
    expect(renderError(() => renderPlatform(charts, 'default', { set: ['common.autoscaling.enabled=true'] }))).toMatch(/metrics-exporter runs exactly one pod/);
    expect(renderError(() => renderPlatform(charts, 'ha', { set: ['services.metrics-exporter.autoscaling.enabled=true'] }))).toMatch(/metrics-exporter runs exactly one pod/);
  });
});
