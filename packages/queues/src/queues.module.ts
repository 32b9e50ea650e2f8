import { type DynamicModule, Inject, Module, type Provider } from '@nestjs/common';
import type { QueueContract } from '@platform/contracts';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { QueueInspector } from './queue-inspector.js';
import { QueueProducer, type QueueProducerOptions } from './queue-producer.js';

/** A queue to produce to, with the service's overrides of its retry policy if any. */
export type ProducedQueue = QueueContract | ({ contract: QueueContract } & QueueProducerOptions);

export interface QueuesModuleOptions {
  /** Queues this module adds jobs to: one QueueProducer each. */
  produce?: readonly ProducedQueue[];
  /** Queues this module reads: one QueueInspector each. */
  inspect?: readonly QueueContract[];
}

/** Injection token of the producer of `contract`'s queue. */
export const queueProducerToken = (contract: QueueContract): string => `QueueProducer:${contract.name}`;
/** Injection token of the inspector of `contract`'s queue. */
export const queueInspectorToken = (contract: QueueContract): string => `QueueInspector:${contract.name}`;

/** Injection token of every inspector one QueuesModule.forRoot registered, in `inspect` order. */
export const QUEUE_INSPECTORS = Symbol('QUEUE_INSPECTORS');

/** Injects the QueueProducer of `contract`'s queue (registered with QueuesModule.forRoot). */
export const InjectQueueProducer = (contract: QueueContract): ParameterDecorator => Inject(queueProducerToken(contract));
/** Injects the QueueInspector of `contract`'s queue (registered with QueuesModule.forRoot). */
export const InjectQueueInspector = (contract: QueueContract): ParameterDecorator => Inject(queueInspectorToken(contract));

/**
 * Producers and inspectors of the platform's queues on the service's REDIS connection
 * (role `command`: fails fast during an outage). Each closes its BullMQ handle on shutdown;
 * REDIS itself is closed last by the platform. Workers are not here: a worker needs its
 * own blocking connection (see notifications' EmailModule).
 */
@Module({})
export class QueuesModule {
  static forRoot({ produce = [], inspect = [] }: QueuesModuleOptions): DynamicModule {
    const producers: Provider[] = produce.map((entry) => {
      const { contract, ...options } = 'contract' in entry ? entry : { contract: entry };
      return {
        provide: queueProducerToken(contract),
        inject: [REDIS],
        useFactory: (redis: Redis) => new QueueProducer(contract, redis, options),
      };
    });
    const inspectors: Provider[] = inspect.map((contract) => ({
      provide: queueInspectorToken(contract),
      inject: [REDIS],
      useFactory: (redis: Redis) => new QueueInspector(contract, redis),
    }));
    const all: Provider = { provide: QUEUE_INSPECTORS, inject: inspect.map(queueInspectorToken), useFactory: (...found: QueueInspector[]) => found };
    const providers = [...producers, ...inspectors, all];
    return { module: QueuesModule, providers, exports: providers.map((provider) => (provider as { provide: string | symbol }).provide) };
  }
}
