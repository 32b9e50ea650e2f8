import {
  BadGatewayException,
  ConflictException,
  GatewayTimeoutException,
  HttpException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { isStreamsTransportError } from '@platform/streams-transport';
import { TimeoutError } from 'rxjs';

/** The error payload a handler's failure travels as (see RpcErrorFilter). */
export interface RemoteError {
  statusCode: number;
  error: string;
  message: string;
  /** With a 503 (the handler refused the work, overloaded): when to retry. */
  retryAfterSeconds?: number;
}

export function isRemoteError(value: unknown): value is RemoteError {
  const candidate = value as Partial<RemoteError> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.statusCode === 'number' &&
    typeof candidate.message === 'string'
  );
}

/**
 * `expired`: the request's deadline was spent before the call, which was not sent;
 * `overloaded`: the handler refused it before doing anything (503 with Retry-After).
 */
export type RpcOutcome = 'ok' | 'client_error' | 'server_error' | 'timeout' | 'unavailable' | 'expired' | 'overloaded';

/**
 * Turns a failed call into what the caller's own client should see:
 * - the handler refused the request (4xx): the same status and message, e.g. a 404;
 * - the handler refused it for overload (503 with retryAfterSeconds): 503, nothing was done;
 * - the handler lost Redis: 503 when its command was never sent, 504 when its outcome is unknown;
 * - the handler failed (other 5xx): 502, without the remote details;
 * - no answer in time, or sent without Redis confirming it: 504 (the outcome is unknown);
 * - the transport certainly could not deliver it (no connection, connection refused): 503.
 */
export function toHttpException(
  error: unknown,
  call: { service: string; pattern: string; timeoutMs: number },
): { exception: HttpException; outcome: RpcOutcome } {
  if (error instanceof TimeoutError || isStreamsTransportError(error, 'TIMEOUT')) {
    return {
      outcome: 'timeout',
      exception: new GatewayTimeoutException(
        `${call.service} did not answer ${call.pattern} within ${call.timeoutMs} ms`,
      ),
    };
  }
  if (isStreamsTransportError(error, 'UNKNOWN_OUTCOME')) {
    // Sent, but not confirmed: a 503 would tell the client nothing happened, which may be false.
    return {
      outcome: 'timeout',
      exception: new GatewayTimeoutException(`${call.service} did not confirm ${call.pattern}: outcome unknown, it may have been handled`),
    };
  }
  if (isStreamsTransportError(error, 'IN_PROGRESS')) {
    return { outcome: 'client_error', exception: new ConflictException(`${call.pattern} is still in progress under the same request id; nothing was sent: retry after it completes`) };
  }
  if (isRemoteError(error)) {
    if (error.statusCode < 500) {
      return {
        outcome: 'client_error',
        exception: new HttpException({ statusCode: error.statusCode, error: error.error, message: error.message }, error.statusCode),
      };
    }
    if (error.statusCode === 503 && typeof error.retryAfterSeconds === 'number') {
      // Refused before anything was done (overloaded): the client may retry, after this long.
      return {
        outcome: 'overloaded',
        exception: new ServiceUnavailableException({
          statusCode: 503,
          error: 'Service Unavailable',
          message: `${call.service} is overloaded: ${call.pattern} was refused before anything was done; retry after ${error.retryAfterSeconds} s`,
          retryAfterSeconds: error.retryAfterSeconds,
        }),
      };
    }
    if (error.statusCode === 503 || error.statusCode === 504) {
      // The handler lost Redis (RpcErrorFilter): not sent (503), or the outcome unknown (504).
      const text = `${call.service} could not complete ${call.pattern}: ${error.message}`;
      return error.statusCode === 503
        ? { outcome: 'unavailable', exception: new ServiceUnavailableException(text) }
        : { outcome: 'timeout', exception: new GatewayTimeoutException(text) };
    }
    return { outcome: 'server_error', exception: new BadGatewayException(`${call.service} failed to handle ${call.pattern}`) };
  }
  if (typeof error === 'object' && error !== null && !(error instanceof Error)) {
    // Nest's default payload for an unexpected handler error: {status: 'error', message}.
    return { outcome: 'server_error', exception: new BadGatewayException(`${call.service} failed to handle ${call.pattern}`) };
  }
  return {
    outcome: 'unavailable',
    exception: new ServiceUnavailableException(`${call.service} is unavailable: ${describeTransportError(error)}`),
  };
}

/** A short, address-free reason for a transport failure. */
function describeTransportError(error: unknown): string {
  const text = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` : String(error);
  if (/ECONNREFUSED|ECONNRESET|EPIPE|socket/i.test(text)) return 'connection refused or lost';
  if (/Connection (lost|closed|is closed)|reconnect|max retries|writeable|Redis/i.test(text)) return 'Redis is unreachable';
  return 'transport error';
}
