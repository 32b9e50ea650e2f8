import { AsyncLocalStorage } from 'node:async_hooks';

/** What is kept of the request being handled: its deadline, and its signal once asked for. */
interface DeadlineScope {
  readonly deadline: number;
  signal?: AbortSignal;
}

/**
 * The request's deadline travels with the async work it starts (AsyncLocalStorage), so no
 * handler, service or repository passes it along by hand: the gateway's calls share what
 * is left of the HTTP request's budget, and a handler deep in another service can ask, before
 * an irreversible step, whether its caller is still waiting.
 */
const scopes = new AsyncLocalStorage<DeadlineScope>();

/** Runs `work` (and every async continuation it starts) under `deadline` (epoch ms). */
export function runWithDeadline<T>(deadline: number, work: () => T): T {
  return scopes.run({ deadline }, work);
}

/** The deadline (epoch ms) of the request being handled, if it has one. */
export function currentDeadline(): number | undefined {
  return scopes.getStore()?.deadline;
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
  const scope = scopes.getStore();
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
