import { readFileSync } from 'node:fs';
import { freePort, ServiceProcess } from '@platform/testing';
import { cpuProfileFlags, preloadFlag, serviceBuilt, serviceDist } from './paths.js';
import type { ScenarioContext } from './scenario.js';

export type PlatformService = 'gateway' | 'catalog' | 'accounts' | 'notifications' | 'legacy';

export interface ServiceSpec {
  name: PlatformService;
  env?: Record<string, string>;
  /** Bench preloads (dist/preload/<name>.js) run before the service's main module. */
  preloads?: string[];
}

/** The admin token of every bench stack (POST /products). */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

/**
 * Whether a service's build starts OpenTelemetry itself (main.ts calls startTelemetry or
 * launchService). When it does not, the bench's `telemetry` preload starts it the same way.
 */
export function startsTelemetryItself(service: PlatformService): boolean {
  try {
    return /startTelemetry|launchService/.test(readFileSync(serviceDist(service, 'main.js'), 'utf8'));
  } catch {
    return false;
  }
}

/**
 * A set of real service processes (from their builds, as production starts them) on a Redis
 * database of their own: several stacks share the run's redis-server without sharing keys,
 * streams or consumer groups, so variants can be interleaved without restarts.
 */
export class Stack {
  private constructor(
    readonly name: string,
    readonly redisUrl: string,
    /** The stack's database of the run's redis-server (redisUrl's path). */
    readonly db: number,
    private readonly services: Map<PlatformService, ServiceProcess>,
  ) {}

  /** Starts `specs` (gateway last, once what it calls is up) and waits until each is ready. */
  static async start(context: ScenarioContext, name: string, specs: ServiceSpec[]): Promise<Stack> {
    const missing = specs.filter((spec) => !serviceBuilt(spec.name)).map((spec) => spec.name);
    if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')} (run npx turbo run build --filter=./services/*...)`);
    const db = context.allocateDb();
    const redisUrl = `${context.redis.url}/${db}`;
    const legacyTcpPort = String(await freePort());
    const common = {
      REDIS_URL: redisUrl,
      LOG_LEVEL: 'warn',
      ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
      SHUTDOWN_TIMEOUT_MS: '5000',
      // legacy listens there when the stack has it; otherwise the gateway's legacy client stays idle.
      LEGACY_TCP_PORT: legacyTcpPort,
    };
    const services = new Map<PlatformService, ServiceProcess>();
    const start = async (spec: ServiceSpec) => {
      const nodeArgs = (spec.preloads ?? []).map(preloadFlag);
      if (context.settings.cpuProfDir) nodeArgs.push(...cpuProfileFlags(context.settings.cpuProfDir, `${name}-${spec.name}`));
      const service = await ServiceProcess.start(spec.name, {
        env: { ...common, BENCH_SERVICE_NAME: spec.name, ...(spec.name === 'legacy' ? { TCP_PORT: legacyTcpPort } : {}), ...spec.env },
        nodeArgs,
        waitFor: 'ready',
        timeoutMs: 60_000,
      });
      services.set(spec.name, service);
    };
    try {
      await Promise.all(specs.filter((spec) => spec.name !== 'gateway').map(start));
      const gateway = specs.find((spec) => spec.name === 'gateway');
      if (gateway) await start(gateway);
    } catch (error) {
      await Promise.all([...services.values()].map((service) => service.stop('SIGKILL')));
      throw error;
    }
    context.log(`stack ${name} up (redis db ${db}: ${specs.map((spec) => spec.name).join(', ')})`);
    return new Stack(name, redisUrl, db, services);
  }

  service(name: PlatformService): ServiceProcess {
    const service = this.services.get(name);
    if (!service) throw new Error(`stack ${this.name} has no ${name}`);
    return service;
  }

  url(name: PlatformService): string {
    return this.service(name).url;
  }

  /** Process ids of every service of the stack, to count their CPU time. */
  pids(): number[] {
    return [...this.services.values()].map((service) => service.process.pid ?? -1);
  }

  /** SIGTERM: a graceful stop, which also writes CPU profiles when they are on. */
  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((service) => service.stop('SIGTERM', 15_000)));
  }
}

/** Stops every stack, whatever happened. */
export async function stopAll(stacks: ReadonlyArray<Stack | undefined>): Promise<void> {
  await Promise.allSettled(stacks.map((stack) => stack?.stop()));
}
