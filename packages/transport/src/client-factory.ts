import { type ClientProxy, ClientRedis, ClientTCP } from '@nestjs/microservices';
import { StreamsClient } from '@platform/streams-transport';
import { traceRpcClient } from '@platform/telemetry';

/** What callers use of a Nest client, whatever its transport (their status types differ). */
export type RpcClientProxy = Pick<ClientProxy, 'connect' | 'close' | 'send' | 'emit'>;
import { nestRedisOptions } from './nest-redis-options.js';
import type { TransportTarget } from './targets.js';

/** A Nest ClientProxy for `target`, named `<caller>:rpc-client` in Redis' CLIENT LIST. */
export function createClientProxy(target: TransportTarget, callerName: string): RpcClientProxy {
  switch (target.kind) {
    // Each call becomes a CLIENT (request) or PRODUCER (event) span whose context travels in
    // the packet metadata; a no-op while tracing is off.
    case 'tcp':
      return traceRpcClient(new ClientTCP({ host: target.host, port: target.port }), { transport: 'tcp' });
    case 'redis':
      return traceRpcClient(new ClientRedis(nestRedisOptions(target.redis, `${callerName}:rpc-client`)), { transport: 'redis' });
    case 'redis-streams':
      return traceRpcClient(new StreamsClient({ redis: target.redis, name: callerName }), { transport: 'redis-streams' });
  }
}
