import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { StreamsServer } from '@platform/streams-transport';
import { nestRedisOptions } from './nest-redis-options.js';
import type { TransportTarget } from './targets.js';

/** The microservice options a service listens with, built from its configured target. */
export function serverOptions(target: TransportTarget, serviceName: string): MicroserviceOptions {
  switch (target.kind) {
    case 'tcp':
      return { transport: Transport.TCP, options: { host: target.host, port: target.port } };
    case 'redis':
      return { transport: Transport.REDIS, options: nestRedisOptions(target.redis, `${serviceName}:rpc-server`) };
    case 'redis-streams':
      return { strategy: new StreamsServer({ redis: target.redis, service: serviceName }) };
  }
}
