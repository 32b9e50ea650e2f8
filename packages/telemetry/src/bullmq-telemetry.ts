import { BullMQOtel } from 'bullmq-otel';
import { isTracingEnabled } from './start-telemetry.js';

/**
 * The `telemetry` option for BullMQ's Queue, Worker and FlowProducer: `add` becomes a
 * PRODUCER span whose context travels in the job, and the Worker processes the job in a
 * CONSUMER span continuing it. Undefined while tracing is off, so BullMQ skips all of it;
 * call it after startTelemetry (i.e. from code the app imports).
 */
export function bullmqTelemetry(): BullMQOtel | undefined {
  return isTracingEnabled() ? new BullMQOtel({ tracerName: 'bullmq' }) : undefined;
}
