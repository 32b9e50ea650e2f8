import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queues } from '@platform/contracts';
import { closeRedis, createRedis, warnOnNewError } from '@platform/redis';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG } from '../gateway.constants.js';

/**
 * The queues the admin routes and Bull Board look at. The gateway adds no jobs and runs no
 * worker: these handles only read, retry and clean. One connection for all of them, role
 * `command`, so an admin page fails fast rather than hangs while Redis is down.
 */
@Injectable()
export class AdminQueues implements OnApplicationShutdown {
  readonly email: Queue;
  private readonly connection: Redis;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.connection = createRedis(config.redis, 'command', 'gateway:admin-queues', {
      onError: warnOnNewError(new Logger(AdminQueues.name), 'admin queues connection'),
    });
    this.email = new Queue(Queues.email, { connection: this.connection });
  }

  get all(): Queue[] {
    return [this.email];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all.map((queue) => queue.close()));
    await closeRedis(this.connection);
  }
}
