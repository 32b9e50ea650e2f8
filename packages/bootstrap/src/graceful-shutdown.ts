import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import { ReadinessState } from '@platform/health';
import type { Logger } from '@platform/logging';
import type { FastifyInstance } from 'fastify';

export interface ShutdownTimings {
  /** How long readiness stays off while the service still serves (endpoint removal). */
  delayMs: number;
  /** The most the drain may take; past it the process exits with 1. */
  timeoutMs: number;
  /** Runs once the app is closed, e.g. to flush the last spans. */
  afterClose?: (() => Promise<void>) | undefined;
}

/**
 * On SIGTERM or SIGINT: readiness turns 503 first, the service keeps serving for `delayMs`
 * so load balancers stop routing to it, then Nest closes in order (transports stop taking
 * messages, the HTTP server finishes in-flight requests, queue workers finish their jobs,
 * connections close last) and the process exits 0. A second signal exits at once.
 */
export function handleShutdownSignals(app: INestApplication, logger: Logger, timings: ShutdownTimings): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    logger.info({ signal, delayMs: timings.delayMs }, 'shutting down: readiness is off');
    app.get(ReadinessState).markDraining();
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: timings.timeoutMs }, 'graceful shutdown timed out: exiting');
      process.exit(1);
    }, timings.delayMs + timings.timeoutMs);
    deadline.unref();
    try {
      await sleep(timings.delayMs);
      await app.close();
      await timings.afterClose?.();
      logger.info({ durationMs: Date.now() - started }, 'stopped cleanly');
      process.exitCode = 0;
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      process.exitCode = 1;
    } finally {
      clearTimeout(deadline);
      // Everything is closed; a stray handle (a library timer) must not keep the pod alive.
      setTimeout(() => process.exit(), 1_000).unref();
    }
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

/**
 * While readiness is off, every answer carries `Connection: close`: a client holding a
 * keep-alive connection (another pod, a proxy) then opens its next one, which the load
 * balancer sends to a replica that is not stopping, instead of reusing this one until the
 * server closes it under its feet.
 */
export function closeConnectionsWhileDraining(fastify: FastifyInstance, readiness: ReadinessState): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (readiness.isDraining) reply.header('connection', 'close');
    done(null, payload);
  });
}
