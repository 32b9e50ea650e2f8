/**
 * What `startTelemetry` decides from the standard OTEL_* variables, kept apart from the SDK so
 * the decision is a pure function of the environment. The SDK reads the same variables itself
 * for everything else (sampler, propagators, batch sizes, exporter headers and timeout).
 */
export type TelemetrySettings =
  | { readonly enabled: true; readonly endpoint: string }
  | { readonly enabled: false; readonly reason: string };

/** The one wire protocol shipped: OTLP over HTTP with protobuf bodies. */
const SUPPORTED_PROTOCOL = 'http/protobuf';

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/**
 * Tracing is on only when an OTLP endpoint is configured (or the caller brings its own span
 * processors) and nothing turns it off; throws on an exporter or protocol this package does
 * not ship rather than silently exporting nowhere.
 */
export function telemetrySettingsFromEnv(env: Env, { customExporter = false } = {}): TelemetrySettings {
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') {
    return { enabled: false, reason: 'OTEL_SDK_DISABLED is true' };
  }
  if (customExporter) return { enabled: true, endpoint: 'custom span processors' };
  const exporters = value(env, 'OTEL_TRACES_EXPORTER')?.split(',').map((name) => name.trim().toLowerCase());
  if (exporters?.includes('none')) {
    return { enabled: false, reason: 'OTEL_TRACES_EXPORTER is none' };
  }
  if (exporters && exporters.some((name) => name !== 'otlp')) {
    throw new Error(`OTEL_TRACES_EXPORTER=${value(env, 'OTEL_TRACES_EXPORTER')} is not supported: use otlp or none`);
  }
  const endpoint = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!endpoint) {
    return { enabled: false, reason: 'no OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set' };
  }
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = value(env, name);
    if (protocol && protocol !== SUPPORTED_PROTOCOL) {
      throw new Error(`${name}=${protocol} is not supported: traces are exported as ${SUPPORTED_PROTOCOL}`);
    }
    // The traces-specific variable wins over the general one, as the SDK reads them.
    if (protocol) break;
  }
  return { enabled: true, endpoint };
}
