import { Worker } from 'node:worker_threads';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

type Request = { type: 'export'; bytes: Uint8Array; spans: number } | { type: 'flush' | 'shutdown' };

/** What WorkerSpanExporter asks its worker thread (span-export-worker.ts). */
export type ExporterRequest = Request & { id: number };

/** The worker's answer to the request with the same id. */
export type ExporterReply = { id: number; ok: true } | { id: number; ok: false; error: string };

/**
 * The OTLP http/protobuf span exporter, with the sending done on a worker thread of its own.
 *
 * Why a thread: V8 keeps type feedback per isolate. Run on the main thread, the exporter's HTTP
 * client (ClientRequest, its socket, the response stream) goes through the same functions of
 * Node's net, streams and events modules as the server's requests and the Redis connections, and
 * brings them objects of new shapes. With `--log-ic`, 79 property-load sites of that shared
 * path (Socket._read, Readable.push, Writable.cork, destroy, EventEmitter.emit, ...) turned
 * megamorphic in the gateway and 49 in catalog with 10% and with 100% sampled, and not with
 * nothing sampled: every request paid for the slower lookups, however few were exported. A
 * worker has its own isolate, so the export's feedback stays there: 54 and 22 sites are left,
 * none of them the client's (bench/analysis.md, "The thirteenth run"). The spans are encoded
 * here (the worker cannot read ReadableSpan objects) and the bytes cross over; the sending, its
 * retries and timeouts are the OTLP exporter's own (span-export-worker.ts), configured from the
 * same OTEL_EXPORTER_OTLP_* env.
 *
 * The worker starts on the first export and is unref'd while no request is outstanding, so an
 * idle exporter never keeps the process alive; shutdown() flushes and stops it.
 */
export class WorkerSpanExporter implements SpanExporter {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, (reply: ExporterReply) => void>();
  private nextId = 0;
  private stopped = false;

  /** `workerUrl`: the built span-export-worker.js; the one beside this module unless a test says. */
  constructor(private readonly workerUrl: URL = new URL('./span-export-worker.js', import.meta.url)) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) return resultCallback(failed('the span exporter is shut down'));
    let reply: Promise<ExporterReply>;
    try {
      const bytes = ProtobufTraceSerializer.serializeRequest(spans);
      if (!bytes) return resultCallback(failed('the spans could not be encoded as OTLP protobuf'));
      reply = this.request({ type: 'export', bytes, spans: spans.length });
    } catch (error) {
      // The batch span processor expects an answer, not a throw (a worker that cannot start).
      return resultCallback(failed(error instanceof Error ? error.message : String(error)));
    }
    void reply.then((answer) => resultCallback(answer.ok ? { code: ExportResultCode.SUCCESS } : failed(answer.error)));
  }

  /** Waits for the exports the worker is still sending. */
  async forceFlush(): Promise<void> {
    if (this.worker) throwIfFailed(await this.request({ type: 'flush' }));
  }

  /** Sends what is under way, then stops the worker; exports after this fail. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    try {
      throwIfFailed(await this.request({ type: 'shutdown' }));
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }

  private request(request: Request): Promise<ExporterReply> {
    const worker = (this.worker ??= this.startWorker());
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      // Outstanding work keeps the process alive until the worker answers (a flush on SIGTERM).
      worker.ref();
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a worker thread, not a window
      worker.postMessage({ ...request, id } satisfies ExporterRequest);
    });
  }

  private startWorker(): Worker {
    // This thread's env, which may be a copy (jest's); none of the process's flags (an
    // --import preload would run again in the worker, --input-type would stop it).
    const worker = new Worker(this.workerUrl, { env: process.env, execArgv: [] });
    worker.unref();
    let crash: Error | undefined;
    worker.on('message', (reply: ExporterReply) => this.settle(worker, reply));
    worker.on('error', (error) => {
      crash = error;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      // Whatever was in flight is lost with the thread; the next export starts a new one.
      const error = `the span export worker stopped (${crash?.message ?? `exit code ${code}`})`;
      for (const id of this.pending.keys()) this.settle(worker, { id, ok: false, error });
    });
    return worker;
  }

  private settle(worker: Worker, reply: ExporterReply): void {
    const resolve = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) worker.unref();
    resolve?.(reply);
  }
}

function failed(message: string): ExportResult {
  return { code: ExportResultCode.FAILED, error: new Error(message) };
}

function throwIfFailed(reply: ExporterReply): void {
  if (!reply.ok) throw new Error(reply.error);
}
