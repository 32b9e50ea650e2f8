/**
 * Why a call failed in the transport rather than in the handler. A handler's own failure
 * reaches the caller as the plain error object it threw (e.g. `{statusCode, message, error}`
 * from an RpcException); these errors mean the handler's answer never arrived:
 * - `TIMEOUT`: no reply before the deadline (the request is dropped unhandled if still queued);
 * - `UNAVAILABLE`: Redis is not reachable now, so nothing was sent (safe to retry);
 * - `UNKNOWN_OUTCOME`: the request or event was handed to Redis and the connection failed
 *   before Redis confirmed it: it may have been stored and handled (retry a request only with
 *   the same request id, or check first; an event retried may be delivered twice);
 * - `CLOSED`: the client was closed while the call was waiting;
 * - `TOO_LARGE`: the encoded request or event exceeds `maxEntryBytes`, so it was not sent;
 * - `IN_PROGRESS`: this client still waits for a call under the same request id, so the new
 *   one was not sent (retry after the first settles).
 */
export type StreamsErrorCode = 'TIMEOUT' | 'UNAVAILABLE' | 'UNKNOWN_OUTCOME' | 'CLOSED' | 'TOO_LARGE' | 'IN_PROGRESS';

/** A call or publish that failed in the transport (see StreamsErrorCode). */
export class StreamsTransportError extends Error {
  override readonly name = 'StreamsTransportError';

  constructor(
    readonly code: StreamsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether `error` is a transport failure, optionally of one `code`. */
export function isStreamsTransportError(error: unknown, code?: StreamsErrorCode): error is StreamsTransportError {
  return error instanceof StreamsTransportError && (code === undefined || error.code === code);
}
