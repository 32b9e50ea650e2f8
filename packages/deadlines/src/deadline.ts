import { currentScope } from './request-scope.js';

export { runWithDeadline } from './request-scope.js';

/** The deadline (epoch ms) of the request being handled, if it has one. */
export function currentDeadline(): number | undefined {
  return currentScope()?.deadline;
}

/** Milliseconds left before the current deadline (negative once passed); undefined without one. */
export function remainingMs(now = Date.now()): number | undefined {
  const deadline = currentDeadline();
  return deadline === undefined ? undefined : deadline - now;
}

/**
 * An AbortSignal that aborts when the current deadline passes (made on first use: requests
 * that never ask pay for no timer); undefined without a deadline.
 */
export function deadlineSignal(): AbortSignal | undefined {
  const scope = currentScope();
  if (!scope) return undefined;
  scope.signal ??= AbortSignal.timeout(Math.max(0, scope.deadline - Date.now()));
  return scope.signal;
}

/**
 * Thrown by `throwIfExpired` before an irreversible step of a request whose caller has given
 * up, or will have before the step could finish: nothing was done, and the caller answers (or
 * already answered) 504 without waiting for it.
 */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';

  constructor(
    /** What was not started, e.g. "hashing the password". */
    readonly step: string,
    /** What was left of the deadline, in ms (negative: how long ago it passed). */
    readonly leftMs: number,
  ) {
    super(
      leftMs <= 0
        ? `the request's deadline passed ${-leftMs} ms ago: ${step} was not started`
        : `the request's deadline is ${leftMs} ms away, too close: ${step} was not started`,
    );
  }
}

/**
 * Call before an irreversible or expensive step (a write, a password hash): throws
 * DeadlineExceededError when less than `reserveMs` is left of the current deadline (none by
 * default: once it has passed), so no work runs that its caller no longer waits for. A no-op
 * outside a request with a deadline.
 */
export function throwIfExpired(step: string, reserveMs = 0): void {
  const left = remainingMs();
  if (left !== undefined && left <= reserveMs) throw new DeadlineExceededError(step, left);
}
