import { existsSync, readFileSync } from 'node:fs';
import { type ReceivedSpan, repoRoot } from '@platform/testing';

/** One finished span as the test preload writes it (packages/telemetry/test/fixtures): what an OTLP receiver gets, less the status. */
export type RecordedSpan = Omit<ReceivedSpan, 'statusCode'>;

/** `node --import` flags that make a service record its spans to SPANS_FILE. */
export const RECORD_SPANS = ['--import', `${repoRoot}packages/telemetry/test/fixtures/record-spans.js`];

export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;

export function readSpans(file: string): RecordedSpan[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordedSpan);
}

/** The spans of the trace whose root is the gateway's HTTP span for `route`. */
export function traceOf(spans: RecordedSpan[], method: string, route: string): RecordedSpan[] {
  const root = spans.find(
    (span) => span.service === 'gateway' && span.kind === SpanKind.SERVER && !span.parentSpanId && span.name === `${method} ${route}`,
  );
  if (!root) return [];
  return spans.filter((span) => span.traceId === root.traceId);
}

/** Spans whose parent is not in the trace: a broken link (the root excepted). */
export function orphans(trace: RecordedSpan[]): RecordedSpan[] {
  const ids = new Set(trace.map((span) => span.spanId));
  return trace.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId));
}

/** Whether `child` descends from `ancestor` through parent links. */
export function descendsFrom(trace: RecordedSpan[], child: RecordedSpan, ancestor: RecordedSpan): boolean {
  const byId = new Map(trace.map((span) => [span.spanId, span]));
  for (let span: RecordedSpan | undefined = child; span; span = span.parentSpanId ? byId.get(span.parentSpanId) : undefined) {
    if (span.spanId === ancestor.spanId) return true;
  }
  return false;
}

/** A readable outline of a trace, for failure messages: `service kind name (id <- parent)`. */
export function outline(trace: RecordedSpan[]): string {
  const kinds = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
  return trace
    .map((span) => `${span.service} ${kinds[span.kind]} ${span.name} (${span.spanId.slice(0, 6)} <- ${span.parentSpanId?.slice(0, 6) ?? 'root'})`)
    .join('\n');
}
