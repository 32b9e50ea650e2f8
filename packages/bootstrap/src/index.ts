export { type BootstrapOptions, bootstrapService, type RunningService, type ServiceRuntimeConfig } from './bootstrap-service.js';
export { closeConnectionsWhileDraining, handleShutdownSignals, type ShutdownTimings } from './graceful-shutdown.js';
export { platformModule, type PlatformModuleOptions } from './platform-module.js';
