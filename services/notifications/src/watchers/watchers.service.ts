import { Inject, Injectable, Logger } from '@nestjs/common';
import { type StockUpdated } from '@contracts/catalog';
import { emailJobId, EmailJobs, NotificationsQueues } from '@contracts/notifications';
import { InjectQueueProducer, type QueueProducer } from '@platform/queues';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';

/** The addresses waiting for a product to be back in stock. Persisted: migrate to rename. */
const watchersKey = (productId: string) => `notifications:watchers:${productId}`;

/** Watchers are read and enqueued in batches, so a popular product never loads a huge set at once. */
const BATCH = 500;

@Injectable()
export class WatchersService {
  private readonly logger = new Logger(WatchersService.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @InjectQueueProducer(NotificationsQueues.email) private readonly emails: QueueProducer<typeof NotificationsQueues.email>,
  ) {}

  /** Adds a watcher; watching twice is one watch. */
  async watch(productId: string, email: string): Promise<void> {
    await this.redis.sadd(watchersKey(productId), email);
  }

  /**
   * On a restock (0 -> more than 0), every watcher gets one "back in stock" email and stops
   * watching. The emails become jobs at once: pub/sub delivered this event at most once,
   * the queue makes the follow-up durable. Each batch is enqueued before it is removed from
   * the set, so a crash in between re-sends nothing (job ids are deterministic per restock
   * version and address, and BullMQ ignores an id it has) and loses no watcher. Every
   * notifications replica receives the event; they enqueue the same ids, so each watcher
   * still gets one email.
   */
  async onStockUpdated(event: StockUpdated): Promise<void> {
    if (event.previousStock !== 0 || event.stock === 0) return;
    const key = watchersKey(event.productId);
    let cursor = '0';
    let enqueued = 0;
    do {
      const [next, batch] = await this.redis.sscan(key, cursor, 'COUNT', BATCH);
      cursor = next;
      if (batch.length === 0) continue;
      await this.emails.addBulk(
        batch.map((to) => ({
          name: EmailJobs.send,
          data: { template: 'back-in-stock' as const, to, data: { productId: event.productId, productName: event.productName, stock: event.stock } },
          options: { jobId: emailJobId('back-in-stock', `${event.productId}/${event.version}/${to}`) },
        })),
      );
      await this.redis.srem(key, ...batch);
      enqueued += batch.length;
    } while (cursor !== '0');
    if (enqueued > 0) this.logger.log(`${event.productId} is back in stock: ${enqueued} back-in-stock email(s) enqueued`);
  }
}
