import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionOptionsFromUrl, redisOptions } from '@platform/redis';
import { waitFor } from '@platform/testing';
import { Redis, type RedisOptions } from 'ioredis';
import { stringify } from 'yaml';
import { copyCharts, type ChartsCopy, render } from '../src/helm.js';
import { byName, type KubeObject, secretValues } from '../src/manifests.js';
import { freeRedisPorts, RedisPods } from '../src/redis-pods.js';
import { WriteProbe } from '../src/write-probe.js';
import { NAMESPACE, ORDERS_ENTRY } from './scenarios.js';

/**
 * The Redis chart's replication + Sentinel StatefulSet, run pod by pod with the chart's own
 * init.sh, probe.sh and prestop.sh against real redis-server processes (src/redis-pods.ts).
 */

// Passwords a shell, redis.conf or a URL could mangle: quotes, spaces, backslashes, `$`, `#`.
const PASSWORD = String.raw`p "a" \ b's $HOME #x`;
const SENTINEL_PASSWORD = String.raw`s\"entinel" pass\\`;
const USER_PASSWORD = String.raw`u s"e\r`;

/**
 * How long a stopped pod stays gone before its replacement runs. Here a restart takes well
 * under a second; in a cluster (deletion, scheduling, volume attach, init container) several,
 * which is what lets Sentinel's down-after-milliseconds (5 s) expire without the hook.
 */
const POD_REPLACEMENT_MS = 6_000;

let charts: ChartsCopy;
beforeAll(() => {
  charts = copyCharts();
});
afterAll(() => charts.remove());

function renderRedis(values: Record<string, unknown>, workDir: string): KubeObject[] {
  const file = join(workDir, 'values.yaml');
  writeFileSync(file, stringify(values));
  return render({ chart: charts.redis, release: 'cache', valuesFiles: [file], namespace: NAMESPACE });
}

async function sentinelValues() {
  const ports = await freeRedisPorts();
  return {
    architecture: 'replication',
    replicas: 3,
    service: { port: ports.redis },
    sentinel: { enabled: true, port: ports.sentinel, auth: { password: SENTINEL_PASSWORD } },
    auth: {
      password: PASSWORD,
      acl: { users: [{ name: 'worker', passwordKey: 'redis-acl-worker', password: USER_PASSWORD }] },
    },
  };
}

/** A client that fails fast and never keeps the test process alive. */
function quietClient(options: RedisOptions): Redis {
  const client = new Redis({ ...options, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  client.on('error', () => undefined);
  return client;
}

/**
 * The primary as the Sentinels know it: of every Sentinel that answers, the view with the
 * highest config epoch. Not the first to answer: a Sentinel that just restarted (or missed the
 * failover's announcement for a moment) still names the old primary, and taking its word
 * made the primary seem to move back and forth.
 */
async function primaryName(pods: RedisPods, sentinelPassword = SENTINEL_PASSWORD): Promise<string | undefined> {
  const views = await Promise.all(
    pods.sentinelAddresses.map(async ({ host, port }) => {
      const client = quietClient({ host, port, password: sentinelPassword });
      try {
        await client.connect();
        const fields = (await client.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
        const field = (name: string) => fields[fields.indexOf(name) + 1];
        return { address: `${field('ip')}:${field('port')}`, epoch: Number(field('config-epoch')) };
      } catch {
        return undefined; // this Sentinel is down (its pod is restarting)
      } finally {
        client.disconnect();
      }
    }),
  );
  return views.reduce<{ address: string; epoch: number } | undefined>((newest, view) => (view && (!newest || view.epoch > newest.epoch) ? view : newest), undefined)?.address;
}

describe('the Redis chart with replication and Sentinel, on real redis-server processes', () => {
  let pods: RedisPods | undefined;
  afterEach(async () => {
    await pods?.destroy();
    pods = undefined;
  });

  it('writes passwords with quotes, spaces and backslashes into redis.conf and sentinel.conf so that they work', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'redis-pods-'));
    pods = RedisPods.prepare(renderRedis(await sentinelValues(), workDir), { namespace: NAMESPACE, workDir });
    await pods.start();
    const primary = (await primaryName(pods))!.split(':');
    const host = primary[0]!;
    const port = Number(primary[1]);

    const asDefault = quietClient({ host, port, password: PASSWORD });
    await asDefault.connect();
    expect(await asDefault.set('k', 'v')).toBe('OK');
    asDefault.disconnect();

    const asUser = quietClient({ host, port, username: 'worker', password: USER_PASSWORD });
    await asUser.connect();
    expect(await asUser.get('k')).toBe('v');
    asUser.disconnect();

    // And a near miss is refused: the password is compared whole, not cut at a quote or space.
    const nearMiss = execFileSync('redis-cli', ['-h', host, '-p', String(port), 'ping'], { env: { ...process.env, REDISCLI_AUTH: PASSWORD.slice(0, 3) }, encoding: 'utf8' });
    expect(nearMiss).toMatch(/WRONGPASS|AUTH failed|NOAUTH/);

    // Sentinel answers with its own password (and each Sentinel found the others with it).
    const sentinel = quietClient({ ...pods.sentinelAddresses[1]!, password: SENTINEL_PASSWORD });
    await sentinel.connect();
    const known = async () => ({
      sentinels: ((await sentinel.call('SENTINEL', 'SENTINELS', 'mymaster')) as unknown[]).length,
      replicas: ((await sentinel.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).length,
    });
    await waitFor('Sentinel to find the other Sentinels and the replicas', async () => {
      const { sentinels, replicas } = await known();
      return sentinels === 2 && replicas === 2;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(await known()).toEqual({ sentinels: 2, replicas: 2 });
    sentinel.disconnect();
  }, 60_000);

  /**
   * One StatefulSet rolling update (pods 2, 1, 0) while a platform client (the `command` role
   * of @platform/redis, through Sentinel) writes every 10 ms. Without the preStop hook the
   * primary's stop is noticed only after down-after-milliseconds (5 s, the chart's default).
   */
  async function rollingUpdate(preStop: boolean) {
    const workDir = mkdtempSync(join(tmpdir(), 'redis-pods-'));
    pods = RedisPods.prepare(renderRedis(await sentinelValues(), workDir), { namespace: NAMESPACE, workDir });
    await pods.start();
    const current = pods;
    const client = new Redis(redisOptions({
      url: `redis://:${encodeURIComponent(PASSWORD)}@cache-redis:${current.redisPort}`,
      sentinels: current.sentinelAddresses,
      sentinelName: 'mymaster',
      sentinelPassword: SENTINEL_PASSWORD,
    }, 'command', 'rolling-update'));
    client.on('error', () => undefined);
    await client.set('rolling-update:last', 'start');
    const probe = new WriteProbe(client, () => primaryName(current));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const output = await current.rollingUpdate({ preStop, replacementMs: POD_REPLACEMENT_MS });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const record = await probe.stop();
    client.disconnect();
    // The figures charts/redis/README.md quotes, shown with the test run.
    process.stdout.write(`rolling update, preStop ${preStop ? 'on' : 'off'}: ${JSON.stringify(record)}\n${output.join('')}\n`);
    return record;
  }

  // Writes wait while the primary hands over (paused, not refused); one that waits past the
  // command role's 2 s timeout fails. Bounds with room for a loaded CI machine: the figures
  // measured on a quiet one are in charts/redis/README.md.
  it('moves the primary once, with writes paused for a second or two and hardly any refused, when the preStop hook hands over', async () => {
    const record = await rollingUpdate(true);
    expect(record.primaries).toHaveLength(2);
    expect(record.longestGapMs).toBeLessThan(4_000);
    expect(record.failed).toBeLessThanOrEqual(2);
    expect(record.succeeded).toBeGreaterThan(100);
  }, 240_000);

  it('without the hook (the kubelet stopping the primary outright) refuses writes', async () => {
    const record = await rollingUpdate(false);
    // Writes are refused either way: Sentinel fails over after down-after-milliseconds, or the
    // old primary is back first. How long they stop is not asserted: in one run here the primary
    // had already moved before its pod stopped (the longest gap 58 ms, 6 writes refused), and
    // a CI run failed on that bound; the figures are printed above for charts/redis/README.md.
    expect(record.failed).toBeGreaterThan(0);
  }, 240_000);
});

const ordersFile = () => join(charts.platform, 'services', 'orders.json');

async function renderPlatformHa(workDir: string, ports: { redis: number; sentinel: number }): Promise<KubeObject[]> {
  const file = join(workDir, 'ports.yaml');
  writeFileSync(file, stringify({ redis: { service: { port: ports.redis }, sentinel: { port: ports.sentinel } } }));
  return render({ chart: charts.platform, release: 'platform', valuesFiles: [join(charts.platform, 'ci', 'ha-values.yaml'), file], namespace: NAMESPACE });
}

/** The user and password of a service's REDIS_URL (its `redis-url-<service>` key). */
function credentials(objects: KubeObject[], service: string): { username: string; password: string } {
  const url = new URL(secretValues(byName(objects, 'Secret', 'platform-secrets'))[`redis-url-${service}`]!);
  return { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

/** What a service's user may do on one pod: log in, and (on the primary) write. */
async function attempt(address: { host: string; port: number }, login: { username: string; password: string }, write: boolean): Promise<string> {
  const client = quietClient({ ...address, ...login });
  // A refused login closes the connection: its reason (WRONGPASS) comes as an error event.
  let refused: string | undefined;
  client.on('error', (error: Error) => (refused ??= error.message));
  try {
    await client.connect();
    if (!write) return await client.ping();
    return String(await client.set(`acl-test:${login.username}`, 'v'));
  } catch (error) {
    return refused ?? (error as Error).message;
  } finally {
    client.disconnect();
  }
}

/**
 * The platform chart's HA scenario with redisAcl.enabled: the Redis pods get every service's
 * user from the Secret the platform derives from the registry (no user listed in values), and
 * a service added later gets its user on the running pods through acl-sync, without a restart.
 */
describe('the platform chart\'s per-service ACL users, on real redis-server processes', () => {
  let pods: RedisPods | undefined;
  afterAll(async () => {
    rmSync(ordersFile(), { force: true });
    await pods?.destroy();
  });

  it('let every service log in as its own user, and a service added later too, without restarting Redis', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'redis-acl-'));
    const ports = await freeRedisPorts();
    const objects = await renderPlatformHa(workDir, ports);
    pods = RedisPods.prepare(objects, { namespace: NAMESPACE, workDir });
    await pods.start();
    const sentinelPassword = secretValues(byName(objects, 'Secret', 'platform-secrets'))['redis-sentinel-password']!;
    const [host, port] = (await primaryName(pods, sentinelPassword))!.split(':');
    const primary = { host: host!, port: Number(port) };

    const services = readdirSync(join(charts.platform, 'services')).map((file) => file.replace(/\.json$/, ''));
    expect(services.length).toBeGreaterThan(1);
    for (const service of services) {
      const login = credentials(objects, service);
      expect(login.username).toBe(service);
      // Every pod knows the user (ACL is not replicated: each pod's init.sh added it).
      for (const address of pods.redisAddresses) expect(await attempt(address, login, false)).not.toMatch(/WRONGPASS|NOAUTH|NOPERM/);
      const readOnly = (JSON.parse(readFileSync(join(charts.platform, 'services', `${service}.json`), 'utf8')) as { redis: string }).redis === 'read-only';
      expect(await attempt(primary, login, true)).toMatch(readOnly ? /NOPERM/ : /^OK$/);
    }

    // A new service in the registry, and the next release's render (no values changed). helm
    // template has no live Secret to keep passwords from, so every password is new as well.
    writeFileSync(ordersFile(), JSON.stringify(ORDERS_ENTRY));
    const next = await renderPlatformHa(workDir, ports);
    const orders = credentials(next, 'orders');
    expect(orders.username).toBe('orders');
    expect(await attempt(primary, orders, true)).toMatch(/WRONGPASS/);
    // A service connected before the change keeps its connection (acl-sync avoids `reset`/`off`).
    const connected = quietClient({ ...primary, ...credentials(objects, 'gateway') });
    await connected.connect();
    // The kubelet updates the mounted Secret; each pod's acl-sync applies it to its running Redis.
    pods.updateVolumes(next);
    for (let index = 0; index < pods.size; index++) expect(await pods.syncAcl(index)).toMatch(/ACL users applied: .*\borders\b/);
    expect(await connected.set('acl-test:still-connected', 'v')).toBe('OK');
    connected.disconnect();
    expect(await attempt(primary, orders, true)).toBe('OK');
    for (const address of pods.redisAddresses) expect(await attempt(address, orders, false)).not.toMatch(/WRONGPASS|NOAUTH|NOPERM/);
    // The others follow their new passwords; the old ones no longer open anything.
    expect(await attempt(primary, credentials(next, 'gateway'), true)).toBe('OK');
    expect(await attempt(primary, credentials(objects, 'gateway'), true)).toMatch(/WRONGPASS/);
  }, 90_000);
});

/** A CA and a server certificate for the pods' addresses and localhost, made with openssl. */
function certificates(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=cache-redis', '-keyout', 'tls.key', '-out', 'tls.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,DNS:cache-redis,IP:127.0.0.1,IP:127.0.0.10,IP:127.0.0.11,IP:127.0.0.12\n');
  openssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'tls.crt');
  return Object.fromEntries(['ca.crt', 'tls.crt', 'tls.key'].map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
}

describe('the Redis chart with TLS and Sentinel', () => {
  let pods: RedisPods | undefined;
  afterAll(async () => pods?.destroy());

  it('lets a platform client find the primary through Sentinel and write, all over TLS', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
    const tlsDir = join(workDir, 'tls');
    const files = certificates(tlsDir);
    const values = { ...(await sentinelValues()), tls: { enabled: true, existingSecret: 'redis-tls' } };
    // The certificate Secret (cert-manager's, in a cluster) is not the chart's: add it as the cluster has it.
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'redis-tls' },
      data: Object.fromEntries(Object.entries(files).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    };
    const objects = [...renderRedis(values, workDir), secret];
    const sentinelConf = objects.find((object) => object.kind === 'ConfigMap')!.data!['init.sh']!;
    expect(sentinelConf).toContain('tls-auth-clients');
    pods = RedisPods.prepare(objects, { namespace: NAMESPACE, workDir, tlsDir });
    await pods.start();

    const client = new Redis({
      ...connectionOptionsFromUrl({
        url: `rediss://:${encodeURIComponent(PASSWORD)}@localhost:${pods.redisPort}`,
        sentinels: pods.sentinelAddresses,
        sentinelName: 'mymaster',
        sentinelPassword: SENTINEL_PASSWORD,
        tlsCaFile: join(tlsDir, 'ca.crt'),
      }),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 3_000,
      retryStrategy: (attempt) => (attempt > 3 ? null : 200),
      sentinelRetryStrategy: (attempt) => (attempt > 3 ? null : 200),
    });
    client.on('error', () => undefined);
    await client.connect();
    expect(await client.set('over-tls', 'yes')).toBe('OK');
    expect(await client.get('over-tls')).toBe('yes');
    client.disconnect();
  }, 60_000);
});
