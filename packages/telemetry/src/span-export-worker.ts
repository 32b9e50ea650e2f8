/*
 * The worker thread that sends the spans WorkerSpanExporter has encoded (see its doc comment for
 * why it is a thread of its own). It sends them with the OTLP exporter's own HTTP transport, so
 * endpoint, headers, timeout, compression, retries and the bound on concurrent exports come from
 * the OTEL_EXPORTER_OTLP_* variables exactly as for OTLPTraceExporter (the worker is given the
 * process's env when it starts).
 */
import { parentPort } from 'node:worker_threads';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { ExporterReply, ExporterRequest } from './worker-span-exporter.js';

/** A batch as it crosses the thread boundary: already OTLP protobuf, with its span count. */
interface EncodedSpans {
  bytes: Uint8Array;
  spans: number;
}

if (!parentPort) throw new Error('span-export-worker runs as a worker thread of WorkerSpanExporter');
const port = parentPort;

const exporter = new OTLPExporterBase<EncodedSpans>(
  createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
    {
      serializeRequest: (batch) => batch.bytes,
      deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
    },
    'otlp_http_span_exporter',
    { name: TraceExporterMetricsHelper.name, countItems: (batch) => batch.spans },
    // No meter provider: prom-client keeps the process's metrics, as in sdk.ts.
    undefined,
  ),
);

function reply(message: ExporterReply): void {
  port.postMessage(message);
}

function failure(id: number, error: unknown): ExporterReply {
  return { id, ok: false, error: error instanceof Error ? error.message : String(error) };
}

/** Answers request `id` once `done` settles. */
function answerWhen(id: number, done: Promise<void>): void {
  done.then(() => reply({ id, ok: true }), (error: unknown) => reply(failure(id, error)));
}

port.on('message', (request: ExporterRequest) => {
  if (request.type === 'export') {
    exporter.export({ bytes: request.bytes, spans: request.spans }, (result) =>
      reply(result.code === ExportResultCode.SUCCESS ? { id: request.id, ok: true } : failure(request.id, result.error ?? 'export failed')),
    );
  } else {
    answerWhen(request.id, request.type === 'flush' ? exporter.forceFlush() : exporter.shutdown());
  }
});
