/** The repository root. */
export declare const repoRoot: string;

export type Role = 'http' | 'rpc' | 'worker' | 'exporter';
export type Transport = 'http' | 'tcp' | 'rpc' | 'events' | 'jobs';
export type RedisAccess = 'read-write' | 'read-only' | 'none';

export declare const ROLES: readonly Role[];
export declare const TRANSPORTS: readonly Transport[];
export declare const REDIS_ACCESS: readonly RedisAccess[];

/** A port a service listens on besides its HTTP port, e.g. legacy's Nest TCP port. */
export interface ExtraPort {
  /** The port's name in Kubernetes (a Service and container port). */
  name: string;
  port: number;
  /** The env var the service reads it from; must end in `_PORT`. */
  env: string;
}

/** One service: the `platform` field of its package.json, with its name and description. */
export interface RegistryService {
  name: string;
  description: string;
  /** http: serves a public HTTP API; rpc: answers requests; worker: runs jobs; exporter: exports metrics. */
  role: Role;
  /** The HTTP port: health and metrics, and the API for role http. */
  port: number;
  /** What it serves: http, tcp (Nest TCP), rpc (requests over Redis), events, jobs (BullMQ). */
  serves: Transport[];
  /** The services it sends requests to: started before it; their extra ports open to it. */
  calls: string[];
  /** Its access to Redis (its ACL user's rights where ACL users are on). */
  redis: RedisAccess;
  /** Reachable from outside the cluster (the gateway). */
  public: boolean;
  /** Exactly one replica, always (metrics-exporter: two would count every counter twice). */
  singleton: boolean;
  extraPorts: ExtraPort[];
}

/** Every service of the repository at `root`, validated, callees before callers. */
export declare function readRegistry(root?: string): RegistryService[];
/** `metrics-exporter` -> `METRICS_EXPORTER`. */
export declare function envPrefix(name: string): string;
/** The env a caller needs to reach its callees' extra ports, e.g. `LEGACY_TCP_HOST`, `LEGACY_TCP_PORT`. */
export declare function calleeEnv(
  registry: readonly RegistryService[],
  caller: RegistryService,
  where: { host(callee: RegistryService, extra: ExtraPort): string; port(callee: RegistryService, extra: ExtraPort): number },
): Record<string, string>;
/** The names of the services that call `service`. */
export declare function callersOf(registry: readonly RegistryService[], service: RegistryService): string[];
/** The platform chart's values for one service (charts/platform/services/<name>.json). */
export declare function chartServiceValues(registry: readonly RegistryService[], service: RegistryService): Record<string, unknown>;
/** The local Prometheus config: one job per service plus redis. */
export declare function prometheusConfig(registry: readonly RegistryService[], options?: { rulesFile?: string; redisExporterPort?: number }): string;
/** A Markdown table of the services. */
export declare function serviceTable(registry: readonly RegistryService[]): string;
