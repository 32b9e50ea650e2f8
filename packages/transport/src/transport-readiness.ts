import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { ReadinessCheck } from '@platform/health';
import { RpcClient } from './rpc-client.js';

/** Probe budget per downstream connection. */
const CONNECT_TIMEOUT_MS = 300;

/**
 * The connections to the services this one calls. A downstream that cannot be reached makes
 * readiness `degraded`, which terminus reports but answers with 200: taking this replica out
 * of rotation would not bring the downstream back, and would turn one failing service into
 * a failing platform. Each call to it already answers 503/504 on its own.
 */
@Injectable()
export class TransportReadiness implements ReadinessCheck {
  constructor(
    private readonly rpc: RpcClient,
    private readonly health: HealthIndicatorService,
  ) {}

  indicator() {
    return async () => {
      const states = await this.rpc.connectionStates(CONNECT_TIMEOUT_MS);
      const down = Object.entries(states).filter(([, state]) => state !== 'connected');
      const session = this.health.check('transports');
      return down.length === 0 ? session.up(states) : session.degraded(states);
    };
  }
}
