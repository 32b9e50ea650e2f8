import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ClientProxy, ReadPacket } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { patternName, type RpcMessageKind, rpcAttributes, rpcSpanName } from './rpc-attributes.js';
import { recordSpanError } from './span-errors.js';
import { isTracingEnabled } from './start-telemetry.js';
import { inUnsampledTrace, tracer } from './tracer.js';

export interface TraceRpcClientOptions {
  /** The `nestjs.transport` attribute; derived from the class (ClientRedis -> redis) if omitted. */
  transport?: string;
}

/** A promise-returning request method beside `send`, as the platform's StreamsClient has (`call`). */
type PromiseCall = (pattern: string, data: unknown, ...rest: never[]) => Promise<unknown>;
/** The part of a ClientProxy this module touches (its `onDispatchHook` field is protected). */
type TraceableClient = Pick<ClientProxy, 'send' | 'emit' | 'setOnDispatchHook'> & { call?: PromiseCall };
interface DispatchHookSlot {
  onDispatchHook?: (packet: ReadPacket) => void;
}

const tracedClients = new WeakSet<object>();

function transportOfClient(client: object): string {
  const name = client.constructor.name.replace(/^Client/, '').toLowerCase();
  return name || 'custom';
}

function startClientSpan(kind: RpcMessageKind, pattern: unknown, transport: string): Span {
  const name = patternName(pattern);
  return tracer().startSpan(rpcSpanName(kind, 'client', name), {
    kind: kind === 'request' ? SpanKind.CLIENT : SpanKind.PRODUCER,
    attributes: rpcAttributes(kind, 'client', name, transport),
  });
}

/** Ends `span` once, marking it failed when `error` is given. */
function spanFinisher(span: Span): (outcome?: { error: unknown }) => void {
  let ended = false;
  return (outcome) => {
    if (ended) return;
    ended = true;
    if (outcome) recordSpanError(span, outcome.error);
    span.end();
  };
}

/**
 * Traces a Nest ClientProxy (ClientRedis, ClientTCP, or any subclass that builds its packets
 * with `createPacket`): `send` becomes a CLIENT span and `emit` a PRODUCER span, and every
 * outgoing packet carries the span's context in `packet.metadata` (W3C traceparent), which
 * the server side reads back (see traceRpcServer). Returns the same client, for factories.
 */
export function traceRpcClient<T extends TraceableClient>(client: T, options: TraceRpcClientOptions = {}): T {
  if (tracedClients.has(client)) return client;
  tracedClients.add(client);
  const transport = options.transport ?? transportOfClient(client);

  // Keep a hook someone installed before (Nest allows one); ours adds to what it set.
  const previousHook = (client as unknown as DispatchHookSlot).onDispatchHook;
  client.setOnDispatchHook((packet) => {
    previousHook?.(packet);
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    if (Object.keys(carrier).length > 0) packet.metadata = { ...packet.metadata, ...carrier };
  });

  // Extra arguments pass through: StreamsClient.send takes per-call options (the deadline).
  const send = client.send.bind(client) as <TResult, TInput>(pattern: unknown, data: TInput, ...rest: unknown[]) => Observable<TResult>;
  const emit = client.emit.bind(client);

  // Cold, like Nest's: the span covers one subscription, from publish to the last reply.
  // Inside an unsampled trace there is no span to make: the dispatch hook still passes the
  // trace's context (flags 00) on, from the context the call is made in.
  client.send = <TResult, TInput>(pattern: unknown, data: TInput, ...rest: unknown[]): Observable<TResult> =>
    inUnsampledTrace(context.active())
      ? send<TResult, TInput>(pattern, data, ...rest)
      : new Observable<TResult>((subscriber) => {
          const span = startClientSpan('request', pattern, transport);
          const finish = spanFinisher(span);
          let replied = false;
          const subscription = context.with(trace.setSpan(context.active(), span), () =>
            send<TResult, TInput>(pattern, data, ...rest).subscribe({
              next: (value) => {
                replied = true;
                subscriber.next(value);
              },
              error: (error: unknown) => {
                finish({ error });
                subscriber.error(error);
              },
              complete: () => {
                finish();
                subscriber.complete();
              },
            }),
          );
          return () => {
            subscription.unsubscribe();
            // The caller gave up first (a deadline, usually): without a reply that is a failure.
            if (!replied) span.setStatus({ code: SpanStatusCode.ERROR, message: 'no reply before the caller unsubscribed' });
            finish();
          };
        });

  // The same span around a client's promise-returning `call`, from the call to its answer.
  if (typeof client.call === 'function') {
    const call = client.call.bind(client);
    client.call = async (pattern, data, ...rest) => {
      if (inUnsampledTrace(context.active())) return call(pattern, data, ...rest);
      const span = startClientSpan('request', pattern, transport);
      const finish = spanFinisher(span);
      try {
        return await context.with(trace.setSpan(context.active(), span), () => call(pattern, data, ...rest));
      } catch (error) {
        finish({ error });
        throw error;
      } finally {
        finish();
      }
    };
  }

  // Hot, like Nest's: the event is published now even if nobody subscribes to the result.
  client.emit = <TResult, TInput>(pattern: unknown, data: TInput): Observable<TResult> => {
    if (inUnsampledTrace(context.active())) return emit<TResult, TInput>(pattern, data);
    const span = startClientSpan('event', pattern, transport);
    const finish = spanFinisher(span);
    const published = context.with(trace.setSpan(context.active(), span), () => emit<TResult, TInput>(pattern, data));
    published.subscribe({ error: (error: unknown) => finish({ error }), complete: () => finish() });
    return published;
  };
  return client;
}

/**
 * traceRpcClient with tracing on (startTelemetry ran before the clients were made); `client` as
 * it is with tracing off, where the wrapper would make a no-op span and a context object per
 * call for nothing.
 */
export function traceRpcClientWhenEnabled<T extends TraceableClient>(client: T, options: TraceRpcClientOptions = {}): T {
  return isTracingEnabled() ? traceRpcClient(client, options) : client;
}
