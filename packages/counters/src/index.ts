export {
  ANSWERED_MARKER_TTL_SECONDS,
  BATCH_MARKER_TTL_SECONDS,
  type BatchIncrement,
  type BatchOutcome,
  type CounterBatch,
  writeBatch,
} from './counter-batch.js';
export {
  batchMarkerKey,
  COUNTER_BATCH_KEY_PREFIX,
  COUNTER_INDEX_KEY,
  COUNTER_KEY_PREFIX,
  type CounterLabels,
  counterKey,
  decodeLabels,
  encodeLabels,
  indexEntry,
  parseIndexEntry,
} from './counter-keys.js';
export { type CountersOptions, DEFAULT_FLUSH_INTERVAL_MS } from './counters.constants.js';
export { Counters } from './counters.js';
export { CountersModule } from './counters.module.js';
export { type CounterTotals, readCounterIndex, readCounters } from './read-counters.js';
