import { isRemoteError } from './rpc-errors.js';

/** How a handled message ended, as `rpc_server_duration_seconds` labels it. */
export type HandledOutcome = 'ok' | 'expired' | 'overloaded' | 'client_error' | 'server_error';

const OUTCOME = Symbol('handled outcome');

/**
 * `reply` (an error reply RpcErrorFilter made) marked with the outcome only the exception
 * could tell: a 504 is `expired` when the handler stopped for its own caller's deadline, a
 * server error when a call it made timed out. The mark is a symbol, so no transport sends it.
 */
export function markOutcome<T extends object>(reply: T, outcome: HandledOutcome): T {
  Object.defineProperty(reply, OUTCOME, { value: outcome });
  return reply;
}

/** The outcome of a handler that failed with `error` (a reply of RpcErrorFilter, or anything else). */
export function handledOutcome(error: unknown): HandledOutcome {
  const marked = typeof error === 'object' && error !== null ? (error as { [OUTCOME]?: HandledOutcome })[OUTCOME] : undefined;
  if (marked) return marked;
  const status = isRemoteError(error) ? error.statusCode : (error as { status?: number } | null)?.status;
  return typeof status === 'number' && status < 500 ? 'client_error' : 'server_error';
}
