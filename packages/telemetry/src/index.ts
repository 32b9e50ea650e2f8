// Nothing here may import Nest, Fastify, ioredis or BullMQ at runtime: services import this
// package before startTelemetry runs, and those modules must load after it (type imports only).
export { bullmqTelemetry } from './bullmq-telemetry.js';
export { injectTraceMetadata, extractTraceContext, type TraceMetadata } from './trace-metadata.js';
export { traceRpcClient, traceRpcClientWhenEnabled, type TraceRpcClientOptions } from './rpc-client-tracing.js';
export { type HandlerRegistry, isHandlerRegistry, type MessageHandler, wrapMessageHandlers } from './message-handlers.js';
export { traceRpcServer, type TraceableMicroservice, type TraceRpcServerOptions } from './rpc-server-tracing.js';
export { launchService, type ServiceEntry } from './launch.js';
export { isTracingEnabled, startTelemetry, type Telemetry, type TelemetryOptions } from './start-telemetry.js';
export { telemetrySettingsFromEnv, type TelemetrySettings } from './telemetry-settings.js';
export { currentTraceIds, type TraceLogFields } from './trace-ids.js';
