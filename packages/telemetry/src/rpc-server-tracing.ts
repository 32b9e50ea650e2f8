import { context, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import { isObservable, tap } from 'rxjs';
import { patternName, type RpcMessageKind, rpcAttributes, rpcSpanName } from './rpc-attributes.js';
import { recordSpanError } from './span-errors.js';
import { type HandlerRegistry, isHandlerRegistry, type MessageHandler, wrapMessageHandlers } from './message-handlers.js';
import { extractTraceContext } from './trace-metadata.js';
import { inUnsampledTrace, tracer } from './tracer.js';

export interface TraceRpcServerOptions {
  /** The `nestjs.transport` attribute; derived from the server's transport id if omitted. */
  transport?: string;
}

/** A Nest microservice (INestMicroservice, or what `app.connectMicroservice()` returns). */
export interface TraceableMicroservice {
  getTransportServer(): unknown;
}

type StartHook = (transportId: unknown, rpcContext: unknown, done: () => Promise<unknown>) => unknown;
type EndHook = (transportId: unknown, rpcContext: unknown) => void;

/**
 * Nest's Server (@nestjs/microservices server/server.js) runs every handled message between
 * a processing start hook, which receives `done` to run the handler, and an end hook called
 * once the handler's reply stream settles. The current hooks are protected fields, read so
 * that ours wrap them instead of replacing them (e.g. a metrics package using the same slots).
 */
interface HookableServer extends HandlerRegistry {
  transportId?: unknown;
  onProcessingStartHook?: StartHook;
  onProcessingEndHook?: EndHook;
  setOnProcessingStartHook(hook: StartHook): void;
  setOnProcessingEndHook(hook: EndHook): void;
  getHandlerByPattern(pattern: string): MessageHandler | null;
}

/** The accessors Nest's RPC contexts offer (RedisContext#getChannel, TcpContext#getPattern, ...). */
interface RpcContextLike {
  getPattern?: () => unknown;
  getChannel?: () => unknown;
  getSubject?: () => unknown;
  getMetadata?: () => Record<string, unknown> | undefined;
}

// Nest's Transport enum values (enums/transport.enum.d.ts), named without importing Nest here.
const TRANSPORT_NAMES: Record<number, string> = { 0: 'tcp', 1: 'redis', 2: 'nats', 3: 'mqtt', 4: 'grpc', 5: 'rmq', 6: 'kafka' };

function transportOfServer(server: HookableServer): string {
  const id = server.transportId;
  if (typeof id === 'number') return TRANSPORT_NAMES[id] ?? `transport-${id}`;
  if (typeof id === 'symbol') return id.description ?? 'custom';
  return 'custom';
}

function isHookableServer(server: unknown): server is HookableServer {
  if (!isHandlerRegistry(server)) return false;
  const { setOnProcessingStartHook, setOnProcessingEndHook } = server as Partial<HookableServer>;
  return typeof setOnProcessingStartHook === 'function' && typeof setOnProcessingEndHook === 'function';
}

/**
 * `handler`, recording its failure on the message's span. Nest's handlers never throw: they
 * return an Observable that errors with the reply the exception filter chose (e.g.
 * `{ status: 'error', message }`), and that is what the span records; the exception itself
 * is in the service's log, under the same trace id.
 */
function recordingFailures(handler: MessageHandler, spans: WeakMap<object, Span>): MessageHandler {
  return async (data, rpcContext) => {
    const span = typeof rpcContext === 'object' && rpcContext !== null ? spans.get(rpcContext) : undefined;
    if (!span) return handler(data, rpcContext);
    try {
      const result = await handler(data, rpcContext);
      return isObservable(result) ? result.pipe(tap({ error: (error: unknown) => recordSpanError(span, error) })) : result;
    } catch (error) {
      recordSpanError(span, error);
      throw error;
    }
  };
}

function patternOf(rpcContext: RpcContextLike): string {
  const pattern = rpcContext.getPattern?.() ?? rpcContext.getChannel?.() ?? rpcContext.getSubject?.();
  return pattern === undefined ? 'unknown' : patternName(pattern);
}

const tracedServers = new WeakSet<object>();

/**
 * Traces the messages a Nest microservice handles: each runs inside a SERVER span (requests)
 * or CONSUMER span (events) named after its pattern, whose parent is the context the client
 * put in `packet.metadata` (see traceRpcClient). Everything the handler does, guards and
 * interceptors included, runs in that span's context, so its Redis commands, outgoing calls
 * and log lines join the caller's trace; a failed handler marks the span.
 *
 * Takes the microservice (`app.connectMicroservice()`'s result, `NestFactory.createMicroservice`)
 * or its transport server. Call it before the transport starts listening; before or after
 * Nest registers the handlers does not matter.
 */
export function traceRpcServer(target: TraceableMicroservice | object, options: TraceRpcServerOptions = {}): void {
  const server = 'getTransportServer' in target && typeof target.getTransportServer === 'function' ? target.getTransportServer() : target;
  if (!isHookableServer(server)) {
    throw new Error('traceRpcServer: not a Nest transport server with processing hooks (needs @nestjs/microservices 12 or later)');
  }
  if (tracedServers.has(server)) return;
  tracedServers.add(server);
  const transport = options.transport ?? transportOfServer(server);
  const spans = new WeakMap<object, Span>();
  // Per pattern with a handler: Nest's getHandlerByPattern first tries JSON.parse on the
  // pattern, which throws for a plain name like `catalog.hello`; that exception cost 8% of a
  // service's CPU under load (bench/, http scenario). Unknown patterns are looked up each
  // time, so a caller sending made-up patterns cannot grow this map.
  const kinds = new Map<string, RpcMessageKind>();
  const kindOf = (pattern: string): RpcMessageKind => {
    const known = kinds.get(pattern);
    if (known) return known;
    const handler = server.getHandlerByPattern(pattern);
    const kind: RpcMessageKind = handler?.isEventHandler ? 'event' : 'request';
    if (handler) kinds.set(pattern, kind);
    return kind;
  };
  const previousStart: StartHook = server.onProcessingStartHook ?? ((_transportId, _rpcContext, done) => done());
  const previousEnd = server.onProcessingEndHook;

  server.setOnProcessingStartHook((transportId, rpcContext, done) => {
    if (typeof rpcContext !== 'object' || rpcContext === null) return previousStart(transportId, rpcContext, done);
    const accessors = rpcContext as RpcContextLike;
    // ROOT, not the active context: the socket or subscriber callback this runs in may carry
    // an unrelated context; only what the client sent says which trace this belongs to.
    const parent = extractTraceContext(accessors.getMetadata?.(), ROOT_CONTEXT);
    // The caller's trace is not sampled: no span, the handler runs in the caller's context,
    // which passes the decision on to whatever the handler calls.
    if (inUnsampledTrace(parent)) return context.with(parent, () => previousStart(transportId, rpcContext, done));
    const pattern = patternOf(accessors);
    const kind = kindOf(pattern);
    const span = tracer().startSpan(
      rpcSpanName(kind, 'server', pattern),
      { kind: kind === 'request' ? SpanKind.SERVER : SpanKind.CONSUMER, attributes: rpcAttributes(kind, 'server', pattern, transport) },
      parent,
    );
    spans.set(rpcContext, span);
    return context.with(trace.setSpan(parent, span), () => previousStart(transportId, rpcContext, done));
  });

  server.setOnProcessingEndHook((transportId, rpcContext) => {
    previousEnd?.(transportId, rpcContext);
    if (typeof rpcContext !== 'object' || rpcContext === null) return;
    spans.get(rpcContext)?.end();
    spans.delete(rpcContext);
  });

  // The end hook is told that a message is done, not how it went: the handlers are. Those
  // registered already are wrapped in place, those registered later on their way in.
  wrapMessageHandlers(server, (handler) => recordingFailures(handler, spans));
}
