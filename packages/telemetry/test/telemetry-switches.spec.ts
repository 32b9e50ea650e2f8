import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ManagedProcess, waitFor } from '@platform/testing';
import { assertPackageBuilt, Kind, readSpans, runProbe, startFixture } from './support/fixtures.js';

/** What an OTLP collector received: one entry per POST. */
interface ReceivedExport {
  path: string;
  contentType: string | undefined;
  body: Buffer;
}

/** A stand-in OTLP/HTTP collector: records each request and answers 200 with an empty body. */
async function startCollector(): Promise<{ server: Server; url: string; received: ReceivedExport[] }> {
  const received: ReceivedExport[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', contentType: request.headers['content-type'], body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${port}`, received };
}

describe('what turns tracing on and off', () => {
  beforeAll(() => assertPackageBuilt());

  it('installs nothing without an OTLP endpoint: no exporter, spans are not recorded', async () => {
    const probe = await runProbe({});
    expect(probe).toMatchObject({ enabled: false, recording: false, exporterLoaded: false, bullmqTelemetry: false });
    expect(probe.description).toContain('no OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('honours OTEL_SDK_DISABLED even with an endpoint', async () => {
    const probe = await runProbe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' });
    expect(probe).toMatchObject({
      enabled: false,
      recording: false,
      exporterLoaded: false,
      description: 'tracing off: OTEL_SDK_DISABLED is true',
    });
  });

  it('records spans once an endpoint is set, and refuses settings it cannot honour', async () => {
    const on = await runProbe({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' });
    expect(on).toMatchObject({ enabled: true, recording: true, exporterLoaded: true, bullmqTelemetry: true });
    expect(on.description).toBe('tracing on: OTLP http/protobuf to http://127.0.0.1:4318/v1/traces');

    const grpc = await runProbe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(grpc.error).toBe('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: traces are exported as http/protobuf');
    const sampler = await runProbe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '10%',
     });
    expect(sampler.error).toBe('OTEL_TRACES_SAMPLER_ARG=10% is not a sampling ratio between 0 and 1');
  });

  describe('with a service running', () => {
    let service: ManagedProcess | undefined;
    let spansDir: string | undefined;

    afterEach(async () => {
      await service?.stop('SIGKILL');
      service = undefined;
      if (spansDir) rmSync(spansDir, { recursive: true, force: true });
      spansDir = undefined;
    });

    it('exports OTLP http/protobuf to the endpoint, and flushes what is buffered on shutdown', async () => {
      const collector = await startCollector();
      try {
        const port = await freePort();
        service = await startFixture('main.js', {
          FIXTURE: 'hello',
          PORT: String(port),
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_SERVICE_NAME: 'hello-from-otel-service-name',
          // The batch would wait a minute: only the shutdown flush can deliver within the test.
          OTEL_BSP_SCHEDULE_DELAY: '60000',
        });
        expect((await fetch(`http://127.0.0.1:${port}/hello`)).status).toBe(200);
        expect(collector.received).toEqual([]);

        expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        expect(collector.received.map(({ path, contentType }) => ({ path, contentType }))).toEqual([
          { path: '/v1/traces', contentType: 'application/x-protobuf' },
        ]);
        // Protobuf keeps strings as raw UTF-8: the span name and the resource's service.name
        // (OTEL_SERVICE_NAME wins over the name the code passes) are in the body.
        const body = collector.received[0]!.body;
        expect(body.includes('GET /hello')).toBe(true);
        expect(body.includes('hello-from-otel-service-name')).toBe(true);
        expect(body.includes('service.instance.id')).toBe(true);
      } finally {
        collector.server.close();
      }
    });

    it('with a sampling ratio of 0 records nothing of its own, but follows a caller that sampled', async () => {
      spansDir = mkdtempSync(join(tmpdir(), 'telemetry-sampling-'));
      const port = await freePort();
      service = await startFixture('main.js', {
        FIXTURE: 'hello',
        PORT: String(port),
        SPANS_FILE: join(spansDir, 'hello.jsonl'),
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      });
      for (let i = 0; i < 5; i += 1) expect((await fetch(`http://127.0.0.1:${port}/hello`)).status).toBe(200);
      const sampledTraceId = '0af7651916cd43dd8448eb211c80319c';
      const response = await fetch(`http://127.0.0.1:${port}/hello`, {
        headers: { traceparent: `00-${sampledTraceId}-b7ad6b7169203331-01` },
      });
      expect(response.status).toBe(200);

      // The sampled request is the last one; once its server span is written, the others' would be.
      await waitFor('the span of the sampled request', () => readSpans(spansDir!).some((span) => span.kind === Kind.SERVER));
      const spans = readSpans(spansDir);
      expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([sampledTraceId]));
    });
  });
});
