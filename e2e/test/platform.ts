import { calleeEnv, readRegistry, type RegistryService } from '@platform/registry';
import { fetchJson, freePort, RedisServer, type RedisServerOptions, ServiceGroup, type ServiceProcess } from '@platform/testing';

// @example-begin
/** The gateway's session-cookie key in tests (SESSION_SECRET must be at least 32 characters). */
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdef';
// @example-end

/**
 * The live configuration a test platform starts with (written before any service starts):
 * the production defaults, except limits that every test's one client address would hit.
 * A test about those limits sets its own through `PUT /admin/config`.
 */
export const TEST_LIVE_CONFIG: Record<string, unknown> = {
  'auth.registrationsPerAddressPerHour': 1_000_000, // @example
  'auth.registrationsPerMinute': 1_000_000, // @example
};

export interface Platform {
  redis: RedisServer;
  services: ServiceGroup;
  gateway: ServiceProcess;
  /** The env every service got, and the gateway's (to start more replicas the same way). */
  env: Record<string, string>;
  gatewayEnv: Record<string, string>;
  /** GET/POST through the gateway; the body parsed as JSON when it is. */
  request(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** Extra env for every service. */
  env?: Record<string, string>;
  /** Extra env for the gateway only. */
  gatewayEnv?: Record<string, string>;
  /** Extra env for one service only, e.g. `{ mailer: { SMTP_URL } }`. */
  serviceEnv?: Record<string, Record<string, string>>;
  /**
   * How many replicas of a service to run (1 each by default), e.g. `{ catalog: 3 }`: the
   * extra ones are `catalog-2`, `catalog-3` in `services`.
   */
  replicas?: Record<string, number>;
  /** Extra node flags for every service process (e.g. a preload that records spans). */
  nodeArgs?: readonly string[];
  /** Options of the platform's redis-server (e.g. `{ appendOnly: true }`), or a running server to use (the caller stops it). */
  redis?: RedisServerOptions | RedisServer;
  /** The live configuration to start with, unless one is stored already (TEST_LIVE_CONFIG by default). */
  liveConfig?: Record<string, unknown>;
}

/** Writes the first live configuration document (what `PUT /admin/config` would), unless one is stored. */
async function storeLiveConfig(redis: RedisServer, values: Record<string, unknown>): Promise<void> {
  if (Object.keys(values).length === 0) return;
  const client = redis.client();
  try {
    await client.eval(
      "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], 'version', 1, 'document', ARGV[1]) end",
      1,
      'platform:config',
      JSON.stringify(values),
    );
  } finally {
    client.disconnect();
  }
}

/** `spec`, and `count - 1` more replicas of it aliased `<name>-2`, `<name>-3`... */
function withReplicas<S extends { name: string }>(spec: S, count = 1): Array<S & { alias?: string }> {
  return Array.from({ length: count }, (_, i) => (i === 0 ? spec : { ...spec, alias: `${spec.name}-${i + 1}` }));
}

/** The registry's services in waves: each wave only calls services of earlier waves. */
function startWaves(registry: readonly RegistryService[]): RegistryService[][] {
  const waves: RegistryService[][] = [];
  const started = new Set<string>();
  let pending = [...registry];
  while (pending.length > 0) {
    const wave = pending.filter((service) => service.calls.every((callee) => started.has(callee)));
    waves.push(wave);
    for (const service of wave) started.add(service.name);
    pending = pending.filter((service) => !started.has(service.name));
  }
  return waves;
}

/**
 * The whole platform for an end-to-end test: a fresh redis-server and every service of the
 * registry as a real process (from its build), callees before their callers, wired the way
 * `make dev` wires them (extra ports and the env that points callers at them).
 */
export async function startPlatform({
  env = {},
  gatewayEnv = {},
  serviceEnv = {},
  replicas = {},
  redis: redisOption,
  nodeArgs,
  liveConfig = TEST_LIVE_CONFIG,
}: PlatformOptions = {}): Promise<Platform> {
  const registry = readRegistry();
  const ownsRedis = !(redisOption instanceof RedisServer);
  const redis = redisOption instanceof RedisServer ? redisOption : await RedisServer.start(redisOption);
  await storeLiveConfig(redis, liveConfig);
  const common = { REDIS_URL: redis.url, LOG_LEVEL: 'info', ...env };
  // Each extra port (legacy's TCP port) on a free port of this machine.
  const extraPorts = new Map<string, number>();
  for (const service of registry) for (const extra of service.extraPorts) extraPorts.set(`${service.name}/${extra.name}`, await freePort());
  const fullGatewayEnv = {
    ...common,
    RPC_TIMEOUT_MS: '1500',
    SESSION_SECRET: TEST_SESSION_SECRET, // @example
    ...gatewayEnv,
  };
  const envOf = (service: RegistryService) => ({
    ...(service.name === 'gateway' ? fullGatewayEnv : common),
    ...Object.fromEntries(service.extraPorts.map((extra) => [extra.env, String(extraPorts.get(`${service.name}/${extra.name}`))])),
    ...calleeEnv(registry, service, { host: () => '127.0.0.1', port: (callee, extra) => extraPorts.get(`${callee.name}/${extra.name}`)! }),
    ...serviceEnv[service.name],
  });

  const services = new Map<string, ServiceProcess>();
  const stopStarted = async () => {
    await Promise.all([...services.values()].map((service) => service.stop()));
    if (ownsRedis) await redis.destroy();
  };
  try {
    for (const wave of startWaves(registry)) {
      const group = await ServiceGroup.start(
        wave.flatMap((service) => withReplicas({ name: service.name, env: envOf(service), nodeArgs }, replicas[service.name])),
      );
      for (const [name, service] of group.services) services.set(name, service);
    }
  } catch (error) {
    // A failed start must not leave processes or redis-server running (they would keep jest from exiting).
    await stopStarted();
    throw error;
  }
  const group = ServiceGroup.of(services);
  const gateway = group.get('gateway');
  return {
    redis,
    services: group,
    gateway,
    env: common,
    gatewayEnv: envOf(registry.find((service) => service.name === 'gateway')!),
    request: (path, init) => fetchJson(`${gateway.url}${path}`, init),
    async stop() {
      await group.stop();
      if (ownsRedis) await redis.destroy();
    },
  };
}
