import { errorMonitor } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Attributes, context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { getRPCMetadata, RPCType, setRPCMetadata, suppressTracing } from '@opentelemetry/core';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { recordSpanError } from './span-errors.js';

/*
 * The SERVER span of every incoming HTTP request, decided once at the edge. instrumentation-http
 * builds a dozen attributes, binds the request and response emitters, adds listeners and
 * records duration metrics for every request before and after the sampler has had its say, so
 * an unsampled request paid about as much as a sampled one. Here the sampler is asked first
 * (through the SDK's tracer, so the configured sampler and its parent-based rule apply), and a
 * request that is not sampled only runs inside the context that says so: a non-recording span
 * with the trace id and the `00` flags, which the RPC clients pass on, so every service
 * downstream follows the decision without recording anything.
 */

/** Query parameters that carry signatures (the ones instrumentation-http redacts). */
const REDACTED_QUERY_PARAMS = ['sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature'];

function splitUrl(url: string | undefined): { path: string; query: string | undefined } {
  if (!url) return { path: '/', query: undefined };
  const mark = url.indexOf('?');
  return mark === -1 ? { path: url, query: undefined } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}

function redactedQuery(query: string): string {
  if (!REDACTED_QUERY_PARAMS.some((param) => query.includes(param))) return query;
  const params = new URLSearchParams(query);
  for (const param of REDACTED_QUERY_PARAMS) if (params.has(param)) params.set(param, 'REDACTED');
  return params.toString();
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The stable HTTP server attributes known when the request arrives (semantic conventions 1.2x). */
function requestAttributes(request: IncomingMessage, peerAddress: string | undefined, path: string, query: string | undefined): Attributes {
  const host = firstHeader(request.headers['x-forwarded-host']) ?? request.headers.host;
  const [serverAddress, serverPort] = host ? host.split(':') : [];
  const forwardedFor = firstHeader(request.headers['x-forwarded-for'])?.split(',')[0]?.trim();
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: request.method ?? 'GET',
    [ATTR_URL_SCHEME]: 'encrypted' in request.socket && request.socket.encrypted ? 'https' : 'http',
    [ATTR_URL_PATH]: path,
    [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
  };
  if (query !== undefined) attributes[ATTR_URL_QUERY] = redactedQuery(query);
  if (serverAddress) attributes[ATTR_SERVER_ADDRESS] = serverAddress;
  if (serverPort) attributes[ATTR_SERVER_PORT] = Number(serverPort);
  if (peerAddress) attributes[ATTR_NETWORK_PEER_ADDRESS] = peerAddress;
  if (request.socket.remotePort !== undefined) attributes[ATTR_NETWORK_PEER_PORT] = request.socket.remotePort;
  const clientAddress = forwardedFor || peerAddress;
  if (clientAddress) attributes[ATTR_CLIENT_ADDRESS] = clientAddress;
  const userAgent = request.headers['user-agent'];
  if (userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  return attributes;
}

type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Starts a SERVER span for each request any `node:http` server of this process receives
 * (patching `http.Server.prototype.emit`, whatever the order modules were loaded in), except
 * on `untracedPaths`, which run with tracing suppressed. Returns the function that stops it.
 *
 * A sampled span is named `METHOD /route` when a framework puts the route template into the
 * context's RPC metadata (@fastify/otel does, as for instrumentation-http), else `METHOD`; it
 * ends when the response closes, marked failed on a 5xx or a stream error.
 */
export function traceHttpServers(tracer: Tracer, untracedPaths: readonly string[]): () => void {
  const untraced = new Set(untracedPaths);
  const prototype = http.Server.prototype as unknown as { emit: Emit };
  const hadOwnEmit = Object.hasOwn(prototype, 'emit');
  const original = prototype.emit;

  const emit: Emit = function emit(this: http.Server, event, ...args) {
    if (event !== 'request') return original.call(this, event, ...args);
    const request = args[0] as IncomingMessage;
    const response = args[1] as ServerResponse;
    // Read for every request, sampled or not, though only a sampled one records it. Node caches
    // the peer on the socket the first time it is read (`_peername`), which gives the socket
    // another hidden class: read for sampled requests only, a server's sockets came in two
    // shapes, and V8 turned the property loads of Node's HTTP path (net, streams,
    // _http_outgoing) megamorphic with 10% of requests sampled: 72 of the 112 sites `--log-ic`
    // found megamorphic in the gateway under `/test1` then, and not with nothing sampled
    // (bench/analysis.md). Read always, each socket changes shape once, on its first request.
    const peerAddress = request.socket.remoteAddress;
    const { path, query } = splitUrl(request.url);
    if (untraced.has(path)) return context.with(suppressTracing(ROOT_CONTEXT), () => original.call(this, event, ...args));

    const method = request.method ?? 'GET';
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
    let requestContext = trace.setSpan(parent, span);
    if (span.isRecording()) {
      span.setAttributes(requestAttributes(request, peerAddress, path, query));
      // The route template, once the framework has routed the request (see the doc comment).
      requestContext = setRPCMetadata(requestContext, { type: RPCType.HTTP, span });
      let failed = false;
      response.once('close', () => {
        if (failed) return;
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
        const route = getRPCMetadata(requestContext)?.route;
        if (route) {
          span.setAttribute(ATTR_HTTP_ROUTE, route);
          span.updateName(`${method} ${route}`);
        }
        if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      // errorMonitor: watching an error must not count as handling it.
      response.once(errorMonitor, (error: unknown) => {
        failed = true;
        recordSpanError(span, error);
        span.end();
      });
    }
    // The streams are not bound to the request's context (`context.bind` patches the emitter's
    // listener methods and wraps every listener: +12 µs a request, sampled or not, and objects of
    // two shapes once only some requests are bound). Fastify needs none of it on Node 24: it
    // resumes after the body in an AsyncResource made in this context, and the response's
    // 'finish' and 'close' come from writes made in it (http-server-spans.spec.ts checks both).
    // A server that read bodies from raw 'data' events would lose the context there.
    return context.with(requestContext, () => original.call(this, event, ...args));
  };

  prototype.emit = emit;
  return () => {
    if (prototype.emit !== emit) return;
    if (hadOwnEmit) prototype.emit = original;
    else delete (prototype as { emit?: Emit }).emit;
  };
}
