import { Injectable } from '@nestjs/common';

/**
 * Whether the service still wants traffic. Shutdown flips it first, so readiness answers 503
 * while in-flight work drains and the load balancer stops sending new requests.
 */
@Injectable()
export class ReadinessState {
  private drainingSince: Date | undefined;

  get isDraining(): boolean {
    return this.drainingSince !== undefined;
  }

  markDraining(): void {
    this.drainingSince ??= new Date();
  }
}
