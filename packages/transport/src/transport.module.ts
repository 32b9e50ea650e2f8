import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { ServiceName } from '@platform/contracts';
import { MetricsService } from '@platform/metrics';
import { createClientProxy, type RpcClientProxy } from './client-factory.js';
import { RpcClient } from './rpc-client.js';
import type { EventTransportTarget, TransportTarget } from './targets.js';

export interface TransportClientsOptions {
  /** The calling service. */
  caller: string;
  /** How each downstream service this one calls is reached, where it differs from `defaultTarget`. */
  targets: Readonly<Record<ServiceName, TransportTarget>>;
  /**
   * How every other service is reached. A Redis transport reaches any service by its name, so
   * a new service needs no entry here, only a contract that names it.
   */
  defaultTarget?: TransportTarget;
  /** Where domain events are published, if this service publishes any. */
  events?: EventTransportTarget;
  timeoutMs: number;
}

@Global()
@Module({})
export class TransportModule {
  /** Provides RpcClient, with one client per configured downstream service. */
  static forClients(options: TransportClientsOptions): DynamicModule {
    return {
      module: TransportModule,
      providers: [
        {
          provide: RpcClient,
          inject: [MetricsService],
          useFactory: (metrics: MetricsService) => {
            // Services reached the same way share one client (one pair of Redis connections).
            const byTarget = new Map<string, RpcClientProxy>();
            const clientFor = (target: TransportTarget) => {
              const key = JSON.stringify(target);
              let client = byTarget.get(key);
              if (!client) byTarget.set(key, (client = createClientProxy(target, options.caller)));
              return client;
            };
            const clients = Object.fromEntries(
              Object.entries(options.targets).map(([service, target]) => [service, clientFor(target)]),
            );
            const fallback = options.defaultTarget ? clientFor(options.defaultTarget) : undefined;
            const events = options.events ? clientFor(options.events) : undefined;
            return new RpcClient({ caller: options.caller, clients, fallback, events, timeoutMs: options.timeoutMs, metrics });
          },
        },
      ],
      exports: [RpcClient],
    };
  }
}
