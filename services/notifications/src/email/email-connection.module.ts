import { Logger, Module } from '@nestjs/common';
import { createRedis, logConnectionTrouble } from '@platform/redis';
import type { NotificationsConfig } from '../config.js';
import { NOTIFICATIONS_CONFIG } from '../notifications.constants.js';
import { EMAIL_WORKER_REDIS } from './email.constants.js';

/**
 * The worker's connection, role `blocking`: BullMQ requires `maxRetriesPerRequest: null` for
 * workers, and its commands (locks, completions, the "sent" marker) should wait for Redis
 * through an outage rather than fail the job. BullMQ duplicates it for its blocking fetch.
 * Closed by EmailProcessor once the worker has stopped.
 */
@Module({
  providers: [
    {
      provide: EMAIL_WORKER_REDIS,
      inject: [NOTIFICATIONS_CONFIG],
      useFactory: (config: NotificationsConfig) =>
        logConnectionTrouble(
          createRedis(config.redis, 'blocking', 'notifications:email-worker'),
          new Logger('EmailWorkerRedis'),
          'email worker connection',
        ),
    },
  ],
  exports: [EMAIL_WORKER_REDIS],
})
export class EmailConnectionModule {}
