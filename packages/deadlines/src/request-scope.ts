import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a request does, named so that running it again is recognised as the same work: an
 * Idempotency-Key's record at the gateway, an RPC request id in the service that answers it.
 */
export interface Operation {
  /** Unique to the operation and the same on every run of it. */
  readonly key: string;
  /** How long the services it calls keep their replies for a retry of it (ms). */
  readonly keepRepliesMs: number;
}

/**
 * An operation in progress: the calls it made so far, by target. The map is made by the first
 * call: most requests a service answers make none, and this runs for every one of them.
 */
export interface RunningOperation extends Operation {
  calls?: Map<string, number>;
}

/** The running form of `operation`, counting its calls from none. */
export function startOperation(operation: Operation): RunningOperation {
  return { key: operation.key, keepRepliesMs: operation.keepRepliesMs, calls: undefined };
}

/**
 * What is kept of the request being handled: its deadline, its signal once asked for, and
 * the operation it performs once named (see operation.ts).
 */
export interface RequestScope {
  readonly deadline: number;
  signal?: AbortSignal;
  operation?: RunningOperation;
}

/**
 * The request's deadline travels with the async work it starts (AsyncLocalStorage), so no
 * handler, service or repository passes it along by hand: the gateway's calls share what
 * is left of the HTTP request's budget, and a handler deep in another service can ask, before
 * an irreversible step, whether its caller is still waiting.
 */
const scopes = new AsyncLocalStorage<RequestScope>();

/**
 * Runs `work` (and every async continuation it starts) under `deadline` (epoch ms), as part
 * of `operation` when it has one (see identifyOperation).
 */
export function runWithDeadline<T>(deadline: number, work: () => T, operation?: Operation): T {
  return scopes.run(operation ? { deadline, operation: startOperation(operation) } : { deadline }, work);
}

/** The scope of the request being handled, if any. */
export function currentScope(): RequestScope | undefined {
  return scopes.getStore();
}
