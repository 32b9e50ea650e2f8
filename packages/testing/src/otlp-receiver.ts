import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Type } from 'protobufjs';
import { freePort } from './ports.js';

/**
 * The part of opentelemetry-proto's trace messages the tests read (field numbers as in
 * opentelemetry/proto/{collector/trace/v1/trace_service,trace/v1/trace,common/v1/common,
 * resource/v1/resource}.proto); protobufjs skips the fields left out. Kept here rather than
 * as a generated module: no package ships the OTLP .proto files for JS decoding, and the
 * SDK's own serializer only encodes.
 */
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
}
`;

/** One span as an OTLP receiver got it; `kind` numbered as in @opentelemetry/api (INTERNAL 0 ... CONSUMER 4). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  /** The resource's `service.name`. */
  service: string;
  scope: string;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

interface DecodedValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number;
  doubleValue?: number;
}
interface DecodedKeyValue {
  key: string;
  value?: DecodedValue;
}
interface DecodedRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: DecodedKeyValue[] };
    scopeSpans?: Array<{
      scope?: { name?: string };
      spans?: Array<{ traceId: Buffer; spanId: Buffer; parentSpanId?: Buffer; name: string; kind?: number; attributes?: DecodedKeyValue[]; status?: { code?: number } }>;
    }>;
  }>;
}

const attributesOf = (pairs: DecodedKeyValue[] = []): Record<string, unknown> =>
  Object.fromEntries(pairs.map(({ key, value = {} }) => [key, value.stringValue ?? value.boolValue ?? value.intValue ?? value.doubleValue]));

/**
 * A real OTLP/HTTP trace receiver on a free loopback port: services export to it exactly as
 * to a collector (`OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url`, http/protobuf, `POST
 * /v1/traces`), and it decodes every span it is sent. Answers 200 with an empty
 * ExportTraceServiceResponse, as a collector does; an undecodable body gets a 400.
 */
export class OtlpReceiver {
  /** Every span received so far, in arrival order. */
  readonly spans: ReceivedSpan[] = [];
  /** How many export requests arrived. */
  requests = 0;

  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      try {
        const raw = Buffer.concat(chunks);
        this.receive(request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } catch (error) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error));
      }
    });
  });

  private constructor(
    readonly url: string,
    private readonly request: Type,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    // Loaded on first use rather than with the harness: most tests never start a receiver.
    const { default: protobuf } = await import('protobufjs');
    const request = protobuf.parse(OTLP_TRACE_PROTO, { keepCase: false }).root.lookupType('otlp.ExportTraceServiceRequest');
    const port = await freePort();
    const receiver = new OtlpReceiver(`http://127.0.0.1:${port}`, request);
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receive(body: Buffer): void {
    this.requests += 1;
    const decoded = this.request.toObject(this.request.decode(body), { longs: Number, bytes: Buffer }) as DecodedRequest;
    for (const resourceSpans of decoded.resourceSpans ?? []) {
      const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? 'unknown');
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          const parent = span.parentSpanId && span.parentSpanId.length > 0 ? span.parentSpanId.toString('hex') : undefined;
          this.spans.push({
            traceId: span.traceId.toString('hex'),
            spanId: span.spanId.toString('hex'),
            ...(parent ? { parentSpanId: parent } : {}),
            name: span.name,
            // OTLP numbers kinds from SPAN_KIND_UNSPECIFIED = 0, the API from INTERNAL = 0.
            kind: Math.max(0, (span.kind ?? 1) - 1),
            attributes: attributesOf(span.attributes),
            service,
            scope: scopeSpans.scope?.name ?? '',
            statusCode: span.status?.code ?? 0,
          });
        }
      }
    }
  }
}
