import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { promisify } from 'node:util';
import { SpanKind } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpReceiver } from '@platform/testing';
import { WorkerSpanExporter } from '../src/worker-span-exporter.js';
import { assertPackageBuilt } from './support/fixtures.js';

// The worker runs the build: a thread loads plain JavaScript, not the sources jest transforms.
const builtWorker = new URL('../dist/span-export-worker.js', import.meta.url);
const builtExporter = new URL('../dist/worker-span-exporter.js', import.meta.url);

/** Ended spans, as the batch span processor hands them to an exporter. */
function endedSpans(...names: string[]): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('worker-span-exporter.spec');
  for (const name of names) tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: { 'test.name': name } }).end();
  return memory.getFinishedSpans();
}

function exportSpans(exporter: WorkerSpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

describe('WorkerSpanExporter', () => {
  let receiver: OtlpReceiver;
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

  beforeAll(async () => {
    assertPackageBuilt();
    receiver = await OtlpReceiver.start();
  });

  afterAll(() => receiver.stop());

  afterEach(() => {
    if (endpoint === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  });

  it('sends the spans to the OTLP endpoint from its worker thread, with no HTTP request on the calling thread', async () => {
    // The worker reads the OTEL_EXPORTER_OTLP_* variables when it starts, on the first export.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    const exporter = new WorkerSpanExporter(builtWorker);
    const requestsHere: unknown[] = [];
    const onRequest = (message: unknown) => requestsHere.push(message);
    subscribe('http.client.request.start', onRequest);
    try {
      expect(await exportSpans(exporter, endedSpans('GET /a', 'GET /b'))).toEqual({ code: ExportResultCode.SUCCESS });
    } finally {
      unsubscribe('http.client.request.start', onRequest);
      await exporter.shutdown();
    }
    expect(receiver.spans.map(({ name, attributes }) => [name, attributes['test.name']])).toEqual([
      ['GET /a', 'GET /a'],
      ['GET /b', 'GET /b'],
    ]);
    // OTLPTraceExporter, which this replaces, makes its request on this thread: one here.
    expect(requestsHere).toEqual([]);
  });

  it('fails an export the collector refuses, with its answer, and exports nothing after shutdown', async () => {
    // The receiver answers 404 off /v1/traces: not a status the OTLP exporter retries.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `${receiver.url}/elsewhere`;
    const exporter = new WorkerSpanExporter(builtWorker);
    const refused = await exportSpans(exporter, endedSpans('GET /refused'));
    expect(refused.code).toBe(ExportResultCode.FAILED);
    expect(refused.error?.message).toMatch(/Not Found|404/);

    await exporter.shutdown();
    const late = await exportSpans(exporter, endedSpans('GET /late'));
    expect(late).toMatchObject({ code: ExportResultCode.FAILED, error: new Error('the span exporter is shut down') });
    expect(receiver.spans.map(({ name }) => name)).not.toContain('GET /refused');
  });

  it('fails the export with the reason when its worker cannot run, and keeps answering', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    const exporter = new WorkerSpanExporter(new URL('../dist/no-such-worker.js', import.meta.url));
    for (const name of ['GET /first', 'GET /second']) {
      const result = await exportSpans(exporter, endedSpans(name));
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error?.message).toMatch(/^the span export worker stopped \(.*no-such-worker/);
    }
    await exporter.shutdown();
  });

  it('does not keep the process alive once its exports are answered, without a shutdown', async () => {
    const script = `
      import { WorkerSpanExporter } from ${JSON.stringify(builtExporter.href)};
      import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
      const exporter = new WorkerSpanExporter();
      const span = new BasicTracerProvider().getTracer('t').startSpan('from a child process');
      span.end();
      exporter.export([span], (result) => console.log('export', result.code, result.error?.message ?? ''));
    `;
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url),
      env: { ...process.env, NODE_OPTIONS: '', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      timeout: 15_000,
    });
    expect(stdout.trim()).toBe(`export ${ExportResultCode.SUCCESS}`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(receiver.spans.map(({ name }) => name)).toContain('from a child process');
  });
});
