import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check.js';
import { ReadinessState } from './readiness-state.js';

/**
 * Terminus answers a failed check with its own body; this keeps its per-dependency details
 * and adds the platform's `{statusCode, error, message}` with a message naming what is down.
 */
function notReady(error: unknown): unknown {
  if (!(error instanceof ServiceUnavailableException)) return error;
  const body = error.getResponse() as { details?: Record<string, { status?: string; message?: string }> };
  const down = Object.entries(body.details ?? {})
    .filter(([, detail]) => detail.status === 'down')
    .map(([name, detail]) => (detail.message ? `${name} (${detail.message})` : name));
  return new ServiceUnavailableException({
    ...body,
    statusCode: 503,
    error: 'Service Unavailable',
    message: `not ready: ${down.join(', ') || 'a dependency is down'}`,
  });
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly state: ReadinessState,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /**
   * The process answers: nothing else. A dependency outage must not get the pod restarted.
   * Terminus' answer to an empty list of checks, written out: it has nothing to run, and the
   * kubelet asks every few seconds.
   */
  @Get('live')
  live(): HealthCheckResult {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  /** Every dependency answers and the service is not shutting down. */
  @Get('ready')
  ready() {
    if (this.state.isDraining) {
      throw new ServiceUnavailableException({
        status: 'error',
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'not ready: the service is shutting down',
        details: { shutdown: { status: 'down' } },
      });
    }
    return this.health.check(this.checks.map((check) => check.indicator())).catch((error: unknown) => {
      throw notReady(error);
    });
  }
}
