import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { telemetrySettingsFromEnv } from './telemetry-settings.js';

/** Probes and scrapes: frequent, uninteresting, and they would crowd out real traces. */
const DEFAULT_UNTRACED_PATHS: readonly string[] = ['/health/live', '/health/ready', '/metrics'];

export interface TelemetryOptions {
  /** `service.name`, unless OTEL_SERVICE_NAME overrides it. */
  serviceName: string;
  serviceVersion?: string;
  /**
   * Span processors to use instead of the OTLP exporter; tracing is then on without an
   * endpoint. For tests and custom pipelines.
   */
  spanProcessors?: SpanProcessor[];
  /** Incoming HTTP paths that start no trace. Default: /health/live, /health/ready, /metrics. */
  untracedPaths?: readonly string[];
}

export interface Telemetry {
  /** Whether spans are being recorded and exported. */
  readonly enabled: boolean;
  /** One line for the startup log: where spans go, or why tracing is off. */
  readonly description: string;
  /**
   * Exports the spans still buffered and stops tracing. Resolves within `timeoutMs` even if
   * the collector does not answer (its retries may still hold the event loop: exit after).
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

let started: Promise<Telemetry> | undefined;
let enabled = false;

/** Whether startTelemetry turned tracing on in this process. */
export function isTracingEnabled(): boolean {
  return enabled;
}

/** Resolves after `promise` settles or `timeoutMs` passes, whichever comes first. */
async function settleWithin(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([promise.catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function start(options: TelemetryOptions): Promise<Telemetry> {
  const settings = telemetrySettingsFromEnv(process.env, { customExporter: options.spanProcessors !== undefined });
  if (!settings.enabled) {
    return { enabled: false, description: `tracing off: ${settings.reason}`, shutdown: async () => undefined };
  }
  // Loaded only now: with tracing off the SDK costs nothing, not even its import.
  const { startSdk } = await import('./sdk.js');
  const sdk = startSdk({
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    spanProcessors: options.spanProcessors,
    untracedPaths: options.untracedPaths ?? DEFAULT_UNTRACED_PATHS,
  });
  enabled = true;
  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    description: options.spanProcessors ? 'tracing on: custom span processors' : `tracing on: OTLP http/protobuf to ${settings.endpoint}`,
    shutdown: (timeoutMs = 5_000) => {
      stopping ??= settleWithin(sdk.shutdown(), timeoutMs);
      return stopping;
    },
  };
}

/**
 * Starts OpenTelemetry tracing for this process, configured by the standard OTEL_* variables.
 * Await it before anything imports Nest, Fastify or node:http: main.ts starts telemetry, then
 * imports the app with `await import()` (see the README). With no OTLP endpoint (and no
 * `spanProcessors`) nothing is loaded or installed. Calling it again returns the first result.
 */
export function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  started ??= start(options);
  return started;
}
