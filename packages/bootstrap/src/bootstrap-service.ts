import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, type NestMicroservice, Transport } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type ReadinessCheck, ReadinessState } from '@platform/health';
import { createLogger, type Logger, NestPinoLogger, requestLogger } from '@platform/logging';
import { HttpErrorFilter } from '@platform/http';
import { instrumentHttpServer, MetricsService } from '@platform/metrics';
import type { RedisSettings } from '@platform/redis';
import { isTracingEnabled, type Telemetry, traceRpcServer } from '@platform/telemetry';
import { RpcErrorFilter, RpcServerMetrics, type HandledContracts } from '@platform/transport';
import { type FastifyBaseLogger, LogController } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilent } from 'pino';
import { closeConnectionsWhileDraining, handleShutdownSignals } from './graceful-shutdown.js';
import { platformModule } from './platform-module.js';
import { PROBE_ROUTES } from './probe-routes.js';
import { runRequestsUnderBudget } from './request-budget.js';
import { logRequests } from './request-log.js';
import { recordRoutes } from './route-table.js';

/** The env every service shares (see @platform/config commonEnv plus PORT). */
export interface ServiceRuntimeConfig {
  HOST: string;
  PORT: number;
  LOG_LEVEL: LevelWithSilent;
  SHUTDOWN_DELAY_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
  METRICS_ENABLED?: boolean;
}

export interface BootstrapOptions {
  /** The service name: logs, metrics labels, Redis client names. */
  name: string;
  module: Type | DynamicModule;
  config: ServiceRuntimeConfig;
  redis: RedisSettings;
  /** Transports this service listens on besides HTTP (Redis, TCP, ...). */
  microservices?: MicroserviceOptions[];
  /**
   * Every contract this service answers or subscribes to: contracts, or their groups as
   * contracts exports them (`[CatalogRpc, CatalogEvents.productViewed]`). The start fails,
   * naming each problem, when one has no @HandlesRequest/@HandlesEvent handler or two, when
   * a handler's contract is not listed, or when an RPC contract belongs to another service.
   */
  handles?: readonly HandledContracts[];
  readiness?: Array<Type<ReadinessCheck>>;
  /**
   * Fastify server options that differ per service, and `requestBudgetMs`: the deadline of
   * each HTTP request, shared by the calls it makes to other services (see request-budget.ts).
   */
  http?: { bodyLimit?: number; trustProxy?: boolean | string | string[]; requestBudgetMs?: number };
  /** What startTelemetry returned in main.ts: logged, and flushed on shutdown. */
  telemetry?: Telemetry;
  /** Runs after the app is created and before it listens (Fastify plugins, extra hooks). */
  configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

export interface RunningService {
  app: NestFastifyApplication;
  logger: Logger;
}

/**
 * Starts a service the same way everywhere: pino logging, Fastify, the platform modules
 * (Redis, health, metrics), the service's transports with their error filter and metrics,
 * then HTTP, and graceful shutdown on SIGTERM/SIGINT.
 */
export async function bootstrapService(options: BootstrapOptions): Promise<RunningService> {
  const { config } = options;
  const logger = createLogger({ service: options.name, level: config.LOG_LEVEL });
  handleProcessErrors(logger);

  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // request.log becomes pino's child (request id bound) only when the request logs something.
    // Fastify hands the factory its logger, which is `logger` (or a child of it): pino's.
    childLoggerFactory: (parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) =>
      requestLogger(parent as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger,
    // One line per request is written by logRequests, with the route template.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.http?.bodyLimit ?? 64 * 1024,
    trustProxy: options.http?.trustProxy ?? false,
    // A client that trickles a request must not hold a connection forever.
    requestTimeout: 30_000,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    platformModule(options.module, { service: options.name, redis: options.redis, readiness: options.readiness, handles: options.handles }),
    adapter,
    { logger: new NestPinoLogger(logger), bufferLogs: true, abortOnError: false },
  );
  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  const metricsEnabled = config.METRICS_ENABLED !== false;
  app.useGlobalFilters(new HttpErrorFilter());
  if (metricsEnabled) instrumentHttpServer(fastify, metrics, PROBE_ROUTES);
  logRequests(fastify);
  if (options.http?.requestBudgetMs !== undefined) runRequestsUnderBudget(fastify, options.http.requestBudgetMs);
  closeConnectionsWhileDraining(fastify, app.get(ReadinessState));
  const routes = recordRoutes(fastify);

  const rpcMetrics = metricsEnabled ? new RpcServerMetrics(metrics) : undefined;
  for (const microserviceOptions of options.microservices ?? []) {
    const microservice = connectTransport(app, microserviceOptions, rpcMetrics);
    // Each handled message runs in a SERVER/CONSUMER span continuing the caller's trace. With
    // tracing off there is nothing to continue: no hook, no per-message work.
    if (isTracingEnabled()) traceRpcServer(microservice);
  }
  await options.configure?.(app);

  handleShutdownSignals(app, logger, {
    delayMs: config.SHUTDOWN_DELAY_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    afterClose: options.telemetry ? () => options.telemetry!.shutdown() : undefined,
  });
  try {
    await app.startAllMicroservices();
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    // A failed start (a module's init refused, e.g. a contract without a handler) closes what
    // the modules opened, so an embedding process (a test) is not kept alive by them.
    await app.close().catch(() => undefined);
    throw error;
  }
  logger.info(
    { port: config.PORT, transports: (options.microservices ?? []).map(describeTransport), tracing: options.telemetry?.description ?? 'off' },
    `${options.name} is listening`,
  );
  logger.info({ routes: routes() }, 'http routes');
  return { app, logger };
}

/**
 * Connects a transport with its own error filter (RPC errors) rather than the app's (HTTP
 * errors), and measures its handlers (RpcServerMetrics). Nest binds handlers when it registers
 * them, so the filter goes first: initialization is deferred, then the three steps
 * connectMicroservice takes when it is not.
 */
function connectTransport(
  app: NestFastifyApplication,
  options: MicroserviceOptions,
  rpcMetrics: RpcServerMetrics | undefined,
): NestMicroservice {
  const microservice = app.connectMicroservice<MicroserviceOptions>(options, { inheritAppConfig: false, deferInitialization: true }) as NestMicroservice;
  microservice.useGlobalFilters(new RpcErrorFilter());
  microservice.registerListeners();
  rpcMetrics?.instrument(microservice);
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
  return microservice;
}

function describeTransport(options: MicroserviceOptions): string {
  return 'transport' in options && options.transport !== undefined ? (Transport[options.transport] ?? 'custom') : 'custom';
}

/**
 * A library's stray rejected promise is logged and the service keeps serving; an uncaught
 * exception leaves the process in an unknown state, so it exits and the orchestrator restarts it.
 */
function handleProcessErrors(logger: Logger): void {
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception: exiting');
    logger.flush();
    process.exit(1);
  });
}
