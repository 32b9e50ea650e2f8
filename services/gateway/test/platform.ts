import { RedisServer, ServiceGroup, type ServiceProcess, freePort } from '@platform/testing';

export interface Platform {
  redis: RedisServer;
  services: ServiceGroup;
  gateway: ServiceProcess;
  /** GET/POST through the gateway; the body parsed as JSON when it is. */
  request(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** Extra env for every service. */
  env?: Record<string, string>;
  /** Extra env for the gateway only. */
  gatewayEnv?: Record<string, string>;
}

/**
 * The whole platform for an end-to-end test: a fresh redis-server and every service as a
 * real process (from its build), the gateway last, wired the way `make dev` wires them.
 */
export async function startPlatform({ env = {}, gatewayEnv = {} }: PlatformOptions = {}): Promise<Platform> {
  const redis = await RedisServer.start();
  const legacyTcpPort = await freePort();
  const common = { REDIS_URL: redis.url, LOG_LEVEL: 'info', ...env };
  const services = await ServiceGroup.start([
    { name: 'legacy', env: { ...common, TCP_PORT: String(legacyTcpPort) } },
    { name: 'catalog', env: common },
    { name: 'accounts', env: common },
    { name: 'notifications', env: common },
    { name: 'metrics-exporter', env: common },
  ]);
  const gatewayGroup = await ServiceGroup.start([
    { name: 'gateway', env: { ...common, LEGACY_TCP_PORT: String(legacyTcpPort), RPC_TIMEOUT_MS: '1500', ...gatewayEnv } },
  ]);
  const gateway = gatewayGroup.get('gateway');
  services.set('gateway', gateway);
  return {
    redis,
    services,
    gateway,
    async request(path, init) {
      const response = await fetch(`${gateway.url}${path}`, init);
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body, headers: response.headers };
    },
    async stop() {
      await services.stop();
      await redis.destroy();
    },
  };
}

/** The value of one sample in a Prometheus text exposition, or 0 when absent. */
export async function scrapeSample(baseUrl: string, metric: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (wanted.every(([key, value]) => line.includes(`${key}="${value}"`))) return Number(line.split(' ').at(-1));
  }
  return 0;
}
