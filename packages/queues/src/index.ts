export { IndexedQueues } from './indexed-queues.js';
export { type JobToParse, type ParsedJob, parseJob } from './parse-job.js';
export { indexedQueueNames, indexQueue, QUEUE_INDEX_KEY, type QueueIndexEntry } from './queue-index.js';
export { type JobState, QueueInspector } from './queue-inspector.js';
export { type AddJobOptions, InvalidJobError, type JobToAdd, QueueProducer, type QueueProducerOptions } from './queue-producer.js';
export {
  InjectQueueInspector,
  InjectQueueProducer,
  type ProducedQueue,
  QUEUE_INSPECTORS,
  queueInspectorToken,
  queueProducerToken,
  QueuesModule,
  type QueuesModuleOptions,
} from './queues.module.js';
