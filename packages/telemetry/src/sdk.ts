import { randomUUID } from 'node:crypto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { httpInstrumentations } from './http-instrumentations.js';
import { traceHttpServers } from './http-server-spans.js';
import { subscribeIoredisTracing } from './ioredis-tracing.js';
import { NoInternalRootSampler, samplerFromEnv } from './sampler.js';
import { tracer } from './tracer.js';
import { WorkerSpanExporter } from './worker-span-exporter.js';

export interface SdkOptions {
  serviceName: string;
  serviceVersion?: string | undefined;
  spanProcessors?: SpanProcessor[] | undefined;
  untracedPaths: readonly string[];
}

/**
 * Builds and starts the NodeSDK. Kept in its own module, imported only when tracing is on:
 * the SDK, its exporters and the instrumentations take about half a second to load.
 */
export function startSdk(options: SdkOptions): { shutdown: () => Promise<void> } {
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are detected after this and win over it.
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        [ATTR_SERVICE_INSTANCE_ID]: randomUUID(),
        ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      }),
    ),
    ...(options.spanProcessors
      ? { spanProcessors: options.spanProcessors }
      : // Endpoint, headers, timeout and compression come from the OTEL_EXPORTER_OTLP_* variables,
        // batch sizes and delays from OTEL_BSP_*; the sending runs on a worker thread (see
        // WorkerSpanExporter for why).
        { traceExporter: new WorkerSpanExporter() }),
    sampler: new NoInternalRootSampler(samplerFromEnv(process.env)),
    // Traces only: metrics are prom-client's and logs are pino's. Left unset, the SDK would
    // start OTLP metric and log exporters of its own.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: httpInstrumentations(),
  });
  sdk.start();
  const stopHttpServerTracing = traceHttpServers(tracer(), options.untracedPaths);
  const stopIoredisTracing = subscribeIoredisTracing(tracer());
  return {
    shutdown: async () => {
      stopHttpServerTracing();
      stopIoredisTracing();
      await sdk.shutdown();
    },
  };
}
