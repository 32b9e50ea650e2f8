import { type ClientProxy, ClientRedis, ClientTCP } from '@nestjs/microservices';
import { StreamsClient } from '@platform/streams-transport';
import { traceRpcClientWhenEnabled } from '@platform/telemetry';
import { nestRedisOptions } from './nest-redis-options.js';
import type { TransportTarget } from './targets.js';

/** What callers use of a Nest client, whatever its transport (their status types differ). */
export type RpcClientProxy = Pick<ClientProxy, 'connect' | 'close' | 'send' | 'emit'>;

/**
 * A Nest ClientProxy for `target`, named `<caller>:rpc-client` in Redis' CLIENT LIST. With
 * tracing on, each call becomes a CLIENT (request) or PRODUCER (event) span whose context
 * travels in the packet metadata.
 */
export function createClientProxy(target: TransportTarget, callerName: string): RpcClientProxy {
  switch (target.kind) {
    case 'tcp':
      return traceRpcClientWhenEnabled(new ClientTCP({ host: target.host, port: target.port }), { transport: 'tcp' });
    case 'redis':
      return traceRpcClientWhenEnabled(new ClientRedis(nestRedisOptions(target.redis, `${callerName}:rpc-client`)), { transport: 'redis' });
    case 'redis-streams':
      return traceRpcClientWhenEnabled(new StreamsClient({ redis: target.redis, name: callerName }), { transport: 'redis-streams' });
  }
}
