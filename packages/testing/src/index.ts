export { configProblems } from './config-problems.js';
export { freePort, freePorts } from './ports.js';
export { type Exit, ManagedProcess, OutputBuffer } from './processes.js';
export { PrometheusServer, type PrometheusSample, RedisExporter } from './prometheus-server.js';
export { RedisServer, type RedisServerOptions } from './redis-server.js';
export { repoRoot, ServiceGroup, ServiceProcess, type ServiceProcessOptions } from './service-process.js';
export { waitFor } from './wait.js';
