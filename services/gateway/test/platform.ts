import { fetchJson, freePort, RedisServer, type RedisServerOptions, ServiceGroup, type ServiceProcess } from '@platform/testing';

/** The gateway's session-cookie key in tests (SESSION_SECRET must be at least 32 characters). */
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdef';

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
  /** Extra env for one service only, e.g. `{ notifications: { SMTP_URL } }`. */
  serviceEnv?: Partial<Record<'legacy' | 'catalog' | 'accounts' | 'notifications' | 'metrics-exporter', Record<string, string>>>;
  /**
   * How many replicas of a service to run (1 each by default), e.g. `{ catalog: 3 }`: the
   * extra ones are `catalog-2`, `catalog-3` in `services`.
   */
  replicas?: Partial<Record<'catalog' | 'accounts' | 'notifications' | 'gateway', number>>;
  /** Extra node flags for every service process (e.g. a preload that records spans). */
  nodeArgs?: readonly string[];
  /** Options of the platform's redis-server (e.g. `{ appendOnly: true }`), or a running server to use (the caller stops it). */
  redis?: RedisServerOptions | RedisServer;
}

/** `spec`, and `count - 1` more replicas of it aliased `<name>-2`, `<name>-3`... */
function withReplicas<S extends { name: string }>(spec: S, count = 1): Array<S & { alias?: string }> {
  return Array.from({ length: count }, (_, i) => (i === 0 ? spec : { ...spec, alias: `${spec.name}-${i + 1}` }));
}

/**
 * The whole platform for an end-to-end test: a fresh redis-server and every service as a
 * real process (from its build), the gateway last, wired the way `make dev` wires them.
 */
export async function startPlatform({ env = {}, gatewayEnv = {}, serviceEnv = {}, replicas = {}, redis: redisOption, nodeArgs }: PlatformOptions = {}): Promise<Platform> {
  const ownsRedis = !(redisOption instanceof RedisServer);
  const redis = redisOption instanceof RedisServer ? redisOption : await RedisServer.start(redisOption);
  const legacyTcpPort = await freePort();
  const common = { REDIS_URL: redis.url, LOG_LEVEL: 'info', ...env };
  const services = await ServiceGroup.start([
    { name: 'legacy', env: { ...common, TCP_PORT: String(legacyTcpPort), ...serviceEnv.legacy }, nodeArgs },
    ...withReplicas({ name: 'catalog', env: { ...common, ...serviceEnv.catalog }, nodeArgs }, replicas.catalog),
    ...withReplicas({ name: 'accounts', env: { ...common, ...serviceEnv.accounts }, nodeArgs }, replicas.accounts),
    ...withReplicas({ name: 'notifications', env: { ...common, ...serviceEnv.notifications }, nodeArgs }, replicas.notifications),
    { name: 'metrics-exporter', env: { ...common, ...serviceEnv['metrics-exporter'] }, nodeArgs },
  ]).catch(async (error: unknown) => {
    // A failed start must not leave redis-server running (it would keep jest from exiting).
    if (ownsRedis) await redis.destroy();
    throw error;
  });
  const fullGatewayEnv = {
    ...common,
    LEGACY_TCP_PORT: String(legacyTcpPort),
    RPC_TIMEOUT_MS: '1500',
    SESSION_SECRET: TEST_SESSION_SECRET,
    ...gatewayEnv,
  };
  const gatewayGroup = await ServiceGroup.start(withReplicas({ name: 'gateway', env: fullGatewayEnv, nodeArgs }, replicas.gateway)).catch(
    async (error: unknown) => {
      await services.stop();
      if (ownsRedis) await redis.destroy();
      throw error;
    },
  );
  const gateway = gatewayGroup.get('gateway');
  for (const [name, service] of gatewayGroup.services) services.set(name, service);
  return {
    redis,
    services,
    gateway,
    env: common,
    gatewayEnv: fullGatewayEnv,
    request: (path, init) => fetchJson(`${gateway.url}${path}`, init),
    async stop() {
      await services.stop();
      if (ownsRedis) await redis.destroy();
    },
  };
}
