import { type ClientProxy, ClientRedis, ClientTCP } from '@nestjs/microservices';
import { StreamsClient } from '@platform/streams-transport';
import { isTracingEnabled, traceRpcClient, type TraceRpcClientOptions } from '@platform/telemetry';
import { nestRedisOptions } from './nest-redis-options.js';
import type { TransportTarget } from './targets.js';

/** What callers use of a Nest client, whatever its transport (their status types differ). */
export type RpcClientProxy = Pick<ClientProxy, 'connect' | 'close' | 'send' | 'emit'>;

/** A Nest ClientProxy for `target`, named `<caller>:rpc-client` in Redis' CLIENT LIST. */
export function createClientProxy(target: TransportTarget, callerName: string): RpcClientProxy {
  switch (target.kind) {
    case 'tcp':
      return traced(new ClientTCP({ host: target.host, port: target.port }), 'tcp');
    case 'redis':
      return traced(new ClientRedis(nestRedisOptions(target.redis, `${callerName}:rpc-client`)), 'redis');
    case 'redis-streams':
      return traced(new StreamsClient({ redis: target.redis, name: callerName }), 'redis-streams');
  }
}

/**
 * With tracing on (startTelemetry ran before the modules were created), each call of `client`
 * becomes a CLIENT (request) or PRODUCER (event) span whose context travels in the packet
 * metadata. With tracing off, `client` as it is: the wrapper would make a no-op span and a
 * context object per call for nothing.
 */
function traced<T extends Parameters<typeof traceRpcClient>[0]>(client: T, transport: TraceRpcClientOptions['transport']): T {
  return isTracingEnabled() ? traceRpcClient(client, { transport }) : client;
}
