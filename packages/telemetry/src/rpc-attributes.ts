import type { Attributes } from '@opentelemetry/api';
import { ATTR_RPC_METHOD, ATTR_RPC_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';

// The messaging attributes are still incubating in semantic-conventions; copied here, as the
// package advises, so a release that renames them cannot break the build.
const ATTR_MESSAGING_SYSTEM = 'messaging.system';
const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
/** Which Nest transport carried the message: redis, tcp, or a custom strategy's name. */
export const ATTR_NESTJS_TRANSPORT = 'nestjs.transport';

/** Request/reply (ClientProxy#send) or fire-and-forget event (ClientProxy#emit). */
export type RpcMessageKind = 'request' | 'event';

/** A pattern as a span name and attribute: strings as they are, object patterns as JSON. */
export function patternName(pattern: unknown): string {
  if (typeof pattern === 'string') return pattern;
  try {
    return JSON.stringify(pattern) ?? String(pattern);
  } catch {
    return String(pattern);
  }
}

/**
 * Span name: the pattern for requests (RPC convention), `send <pattern>` and
 * `process <pattern>` for events (messaging convention).
 */
export function rpcSpanName(kind: RpcMessageKind, side: 'client' | 'server', pattern: string): string {
  if (kind === 'request') return pattern;
  return `${side === 'client' ? 'send' : 'process'} ${pattern}`;
}

/** The attributes both sides put on a message's span. */
export function rpcAttributes(kind: RpcMessageKind, side: 'client' | 'server', pattern: string, transport: string): Attributes {
  const attributes: Attributes = {
    [ATTR_RPC_SYSTEM_NAME]: 'nestjs',
    [ATTR_RPC_METHOD]: pattern,
    [ATTR_NESTJS_TRANSPORT]: transport,
  };
  if (kind === 'event') {
    attributes[ATTR_MESSAGING_SYSTEM] = 'nestjs';
    attributes[ATTR_MESSAGING_OPERATION_TYPE] = side === 'client' ? 'send' : 'process';
    attributes[ATTR_MESSAGING_DESTINATION_NAME] = pattern;
  }
  return attributes;
}
