import { trace } from '@opentelemetry/api';
import { type Logger, type LevelWithSilent, pino } from 'pino';

export interface LoggerSettings {
  service: string;
  level: LevelWithSilent;
  /** Where lines go; stdout by default (what containers and `make dev` read). */
  destination?: NodeJS.WritableStream;
}

/**
 * Paths never written to logs: credentials in requests, and secrets in objects a caller
 * might log by mistake. pino removes them before serialising, so they never reach a sink.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  'password',
  'token',
  'secret',
];

/** Adds the active trace and span ids, so a log line can be found from a trace and back. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}

/** The process logger: JSON lines with service, time, level name, trace ids; secrets redacted. */
export function createLogger({ service, level, destination }: LoggerSettings): Logger {
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      messageKey: 'msg',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: traceFields,
    },
    destination ?? pino.destination({ sync: false }),
  );
}
