/**
 * Redis key names. They are persisted in Redis: streams hold requests and events across
 * restarts, consumer groups hang off them, dead letters wait for an operator. Renaming a key
 * (or changing the prefix) orphans whatever sits under the old name, so treat a change here
 * as a data migration, never as a refactor.
 */
export interface StreamKeys {
  /** The stream of requests for one message pattern; each answering service has a group on it. */
  request(pattern: string): string;
  /** The stream of one event pattern; each subscribing service has a group on it. */
  event(pattern: string): string;
  /** The reply stream of one client instance; only that instance reads it. */
  inbox(clientId: string): string;
  /** Entries a group could not handle (malformed, or failed too many times), kept for an operator. */
  deadLetter(group: string): string;
  /** What the server remembers of one request id: running, or its replies (see RequestMemory). */
  handled(pattern: string, requestId: string): string;
  /** Every inbox key starts with this; a request whose reply address does not is refused. */
  readonly inboxPrefix: string;
}

/** The default prefix of every key the transport writes. */
export const DEFAULT_KEY_PREFIX = 'streams';

/** Key names under `prefix` (see StreamKeys for what each key holds). */
export function streamKeys(prefix: string = DEFAULT_KEY_PREFIX): StreamKeys {
  const inboxPrefix = `${prefix}:inbox:`;
  return {
    request: (pattern) => `${prefix}:rpc:${pattern}`,
    event: (pattern) => `${prefix}:event:${pattern}`,
    inbox: (clientId) => `${inboxPrefix}${clientId}`,
    deadLetter: (group) => `${prefix}:dead:${group}`,
    handled: (pattern, requestId) => `${prefix}:handled:${pattern}:${requestId}`,
    inboxPrefix,
  };
}

/**
 * Service (group), consumer and client names end up in key names and in CLIENT LIST, so they
 * are kept to characters that need no quoting anywhere.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
