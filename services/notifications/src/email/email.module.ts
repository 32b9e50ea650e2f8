import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { NotificationsCounters, NotificationsQueues } from '@contracts/notifications';
import { CountersModule } from '@platform/counters';
import { QueuesModule } from '@platform/queues';
import { bullmqTelemetry } from '@platform/telemetry';
import type { Redis } from 'ioredis';
import type { NotificationsConfig } from '../config.js';
import { NOTIFICATIONS_CONFIG } from '../notifications.constants.js';
import { EMAIL_WORKER_REDIS, EmailKeys, MAIL_TRANSPORT } from './email.constants.js';
import { EmailConnectionModule } from './email-connection.module.js';
import { EmailDelivery } from './email-delivery.service.js';
import { EmailProcessor, emailWorkerWith } from './email.processor.js';
import { type MailTransport, OutboxMailTransport, SmtpMailTransport } from './mail-transport.js';
import { OutboxController } from './outbox.controller.js';

/**
 * The email queue: its producer (the platform's QueueProducer, see forRoot), its worker
 * (EmailProcessor) and how emails leave (MAIL_TRANSPORT). Global because readiness checks are resolved from the platform's
 * health module, which sees only global providers.
 */
@Global()
@Module({
  imports: [
    EmailConnectionModule,
    CountersModule.forFeature([NotificationsCounters.emails]),
    // Registered for the worker: @nestjs/bullmq creates EmailProcessor's worker with the
    // registered queue's connection, which must be the blocking one. Jobs are added through
    // the platform's QueueProducer instead, on the service's REDIS connection, which fails fast.
    BullModule.registerQueueAsync({
      name: NotificationsQueues.email.name,
      imports: [EmailConnectionModule],
      inject: [EMAIL_WORKER_REDIS],
      // Jobs are traced from the producer's span into the worker's when tracing is on.
      useFactory: (connection: Redis) => ({ connection, telemetry: bullmqTelemetry() }),
    }),
  ],
  controllers: [OutboxController],
  providers: [
    {
      provide: MAIL_TRANSPORT,
      inject: [NOTIFICATIONS_CONFIG, EMAIL_WORKER_REDIS],
      useFactory: (config: NotificationsConfig, redis: Redis): MailTransport =>
        config.SMTP_URL ? new SmtpMailTransport(config.SMTP_URL, redis) : new OutboxMailTransport(redis, EmailKeys.outbox, config.OUTBOX_MAX_EMAILS),
    },
    EmailDelivery,
  ],
  exports: [EmailConnectionModule],
})
export class EmailModule {
  /**
   * With the email queue's producer, whose attempts and backoff come from the queue's
   * contract unless EMAIL_ATTEMPTS / EMAIL_BACKOFF_MS override them, and its worker, which
   * checks for stalled jobs every EMAIL_STALLED_CHECK_MS.
   */
  static forRoot(config: NotificationsConfig): DynamicModule {
    const producer = QueuesModule.forRoot({
      produce: [{ contract: NotificationsQueues.email, retry: { attempts: config.EMAIL_ATTEMPTS, backoffDelayMs: config.EMAIL_BACKOFF_MS } }],
    });
    const worker = { provide: EmailProcessor, useClass: emailWorkerWith({ stalledCheckMs: config.EMAIL_STALLED_CHECK_MS }) };
    return { module: EmailModule, imports: [producer], providers: [worker], exports: [producer, worker] };
  }
}
