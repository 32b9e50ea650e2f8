import { telemetrySettingsFromEnv } from './telemetry-settings.js';

describe('telemetrySettingsFromEnv', () => {
  it('is off without an endpoint, saying so', () => {
    expect(telemetrySettingsFromEnv({})).toEqual({
      enabled: false,
      reason: 'no OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set',
    });
    expect(telemetrySettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }).enabled).toBe(false);
  });

  it('is on with either endpoint, the traces-specific one first', () => {
    expect(telemetrySettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      enabled: true,
      endpoint: 'http://collector:4318',
    });
    expect(
      telemetrySettingsFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces',
      }),
    ).toEqual({ enabled: true, endpoint: 'http://traces:4318/v1/traces' });
  });

  it('is off when OTEL_SDK_DISABLED is true or the traces exporter is none, endpoint or not', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(telemetrySettingsFromEnv({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }).enabled).toBe(false);
    expect(telemetrySettingsFromEnv({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
    expect(telemetrySettingsFromEnv({ ...endpoint, OTEL_SDK_DISABLED: 'false' }).enabled).toBe(true);
    expect(telemetrySettingsFromEnv({ OTEL_SDK_DISABLED: 'true' }, { customExporter: true }).enabled).toBe(false);
  });

  it('is on with custom span processors even without an endpoint', () => {
    expect(telemetrySettingsFromEnv({}, { customExporter: true }).enabled).toBe(true);
  });

  it('refuses exporters and protocols it does not ship, the traces-specific protocol first', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(() => telemetrySettingsFromEnv({ ...endpoint, OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(
      'OTEL_TRACES_EXPORTER=zipkin is not supported: use otlp or none',
    );
    expect(() => telemetrySettingsFromEnv({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL=http/json is not supported: traces are exported as http/protobuf',
    );
    expect(
      telemetrySettingsFromEnv({
        ...endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }).enabled,
    ).toBe(true);
  });
});
