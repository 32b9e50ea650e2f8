import { type ClientProxy, ClientRedis, ClientTCP } from '@nestjs/microservices';
import { StreamsClient } from '@platform/streams-transport';

/** What callers use of a Nest client, whatever its transport (their status types differ). */
export type RpcClientProxy = Pick<ClientProxy, 'connect' | 'close' | 'send' | 'emit'>;
import { nestRedisOptions } from './nest-redis-options.js';
import type { TransportTarget } from './targets.js';

/** A Nest ClientProxy for `target`, named `<caller>:rpc-client` in Redis' CLIENT LIST. */
export function createClientProxy(target: TransportTarget, callerName: string): RpcClientProxy {
  switch (target.kind) {
    case 'tcp':
      return new ClientTCP({ host: target.host, port: target.port });
    case 'redis':
      return new ClientRedis(nestRedisOptions(target.redis, `${callerName}:rpc-client`));
    case 'redis-streams':
      return new StreamsClient({ redis: target.redis, name: callerName });
  }
}
