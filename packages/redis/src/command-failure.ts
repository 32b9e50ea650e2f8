/**
 * What a failed command tells about its fate, for an honest answer to whoever asked for it:
 * - `not-sent`: ioredis refused it before writing it (no writable connection, and the
 *   connection's role queues nothing offline): Redis never saw it;
 * - `unknown`: it was written and then the answer was lost (a command timeout, the connection
 *   closed or given up on while waiting): Redis may have executed it;
 * - undefined: not a connection failure (an error reply such as WRONGTYPE is Redis' own
 *   refusal, a failure like any other).
 * ioredis marks neither case with a class or code of its own, so its messages are matched.
 */
export function commandFailure(error: unknown): 'not-sent' | 'unknown' | undefined {
  if (!(error instanceof Error)) return undefined;
  if (/isn't writeable and enableOfflineQueue/.test(error.message)) return 'not-sent';
  if (error.name === 'MaxRetriesPerRequestError' || /^(Command timed out|Connection is closed)/.test(error.message)) return 'unknown';
  return undefined;
}
