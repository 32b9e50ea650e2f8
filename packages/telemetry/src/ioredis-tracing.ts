import { tracingChannel } from 'node:diagnostics_channel';
import { type Attributes, context, type Span, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { recordSpanError } from './span-errors.js';

/*
 * ioredis 6 publishes every command on the `ioredis:command` TracingChannel (see
 * ioredis/built/tracing.js; MULTI and EXEC are commands too, so the `ioredis:batch` channel
 * would only repeat them). Subscribing gives a span per command with no
 * monkey-patching, so it does not depend on the ESM loader hook, on the order modules were
 * loaded in, or on which copy of ioredis a library resolved (Nest's transport, BullMQ and
 * @platform/redis all share the channel). With no subscriber ioredis skips the tracing path.
 */

/** The message ioredis publishes for one command (ioredis/built/tracing.d.ts). */
interface CommandMessage {
  command: string;
  /** Already sanitized by ioredis: values of writes are replaced by `?`. */
  args: string[];
  database: number;
  serverAddress: string;
  serverPort: number | undefined;
}

// Scripts carry whatever the caller passes as ARGV (BullMQ passes job data), and ioredis's
// sanitizer keeps every EVAL/FCALL argument; these commands are recorded by name only.
const SCRIPT_COMMANDS = /^(eval|evalsha|eval_ro|evalsha_ro|fcall|fcall_ro)$/i;
const MAX_QUERY_TEXT = 256;

function queryText(message: CommandMessage): string {
  const name = message.command.toUpperCase();
  if (SCRIPT_COMMANDS.test(message.command) || message.args.length === 0) return name;
  const text = `${name} ${message.args.join(' ')}`;
  return text.length > MAX_QUERY_TEXT ? `${text.slice(0, MAX_QUERY_TEXT - 1)}…` : text;
}

function connectionAttributes(message: CommandMessage): Attributes {
  return {
    [ATTR_DB_SYSTEM_NAME]: 'redis',
    [ATTR_DB_NAMESPACE]: String(message.database),
    [ATTR_SERVER_ADDRESS]: message.serverAddress,
    ...(message.serverPort === undefined ? {} : { [ATTR_SERVER_PORT]: message.serverPort }),
  };
}

/** Starts turning ioredis commands into CLIENT spans; returns the function that stops it. */
export function subscribeIoredisTracing(tracer: Tracer): () => void {
  const channel = tracingChannel<CommandMessage, CommandMessage>('ioredis:command');
  // The same message object is published at start, on error and at the end of one command.
  const spans = new WeakMap<CommandMessage, Span>();
  const subscribers = {
    start(message: CommandMessage) {
      const parent = context.active();
      // Commands outside any traced work (connection handshakes, BullMQ's blocking polls,
      // Nest's subscriber) would each start a trace of their own: noise, so they are skipped,
      // as are commands under a span that is not recorded (not sampled, or already ended),
      // and those a component keeps out of traces (suppressTracing: the Streams transport's own).
      if (!trace.getSpan(parent)?.isRecording() || isTracingSuppressed(parent)) return;
      const operation = message.command.toUpperCase();
      const attributes: Attributes = {
        ...connectionAttributes(message),
        [ATTR_DB_OPERATION_NAME]: operation,
        [ATTR_DB_QUERY_TEXT]: queryText(message),
      };
      spans.set(message, tracer.startSpan(operation, { kind: SpanKind.CLIENT, attributes }, parent));
    },
    end() {},
    asyncStart() {},
    error(message: CommandMessage & { error?: unknown }) {
      const span = spans.get(message);
      if (span) recordSpanError(span, message.error);
    },
    asyncEnd(message: CommandMessage) {
      spans.get(message)?.end();
      spans.delete(message);
    },
  };
  channel.subscribe(subscribers);
  return () => channel.unsubscribe(subscribers);
}
