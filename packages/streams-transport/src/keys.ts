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
  /** The reply list of one client instance; only that instance pops from it. */
  replies(clientId: string): string;
  /** Entries a group could not handle (malformed, or failed too many times), kept for an operator. */
  deadLetter(group: string): string;
  /** What the server remembers of one request id: running, or its replies (see RequestMemory). */
  handled(pattern: string, requestId: string): string;
  /** Every reply list starts with this; a request whose reply address starts with neither prefix is refused. */
  readonly repliesPrefix: string;
  /**
   * Clients before the reply lists read a reply stream (`<prefix>:inbox:<client>`); a server
   * still answers requests that name one, with XADD, so services can be upgraded before callers.
   */
  readonly inboxPrefix: string;
}

/** The default prefix of every key the transport writes. */
export const DEFAULT_KEY_PREFIX = 'streams';

/** Key names under `prefix` (see StreamKeys for what each key holds). */
export function streamKeys(prefix: string = DEFAULT_KEY_PREFIX): StreamKeys {
  const inboxPrefix = `${prefix}:inbox:`;
  const repliesPrefix = `${prefix}:replies:`;
  return {
    request: (pattern) => `${prefix}:rpc:${pattern}`,
    event: (pattern) => `${prefix}:event:${pattern}`,
    replies: (clientId) => `${repliesPrefix}${clientId}`,
    deadLetter: (group) => `${prefix}:dead:${group}`,
    handled: (pattern, requestId) => `${prefix}:handled:${pattern}:${requestId}`,
    repliesPrefix,
    inboxPrefix,
  };
}

/**
 * Service (group), consumer and client names end up in key names and in CLIENT LIST, so they
 * are kept to characters that need no quoting anywhere.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
