import type { Redis } from 'ioredis';

/** What corking needs of a socket: Node's `Writable#cork` and `#uncork`. */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

/**
 * The connection's socket, to cork while a batch of commands is issued so they leave in one
 * write (one system call), or undefined when there is none to cork (not connected yet).
 * ioredis' own auto-pipelining batches too, but with a pipeline object per batch and per
 * command, which costs more than it saves (see the README's "Fewer writes"). `stream` is the
 * socket ioredis writes to; it is not part of ioredis' typed API, hence the check.
 */
export function corkableSocket(redis: Redis): CorkableSocket | undefined {
  const socket = (redis as { stream?: Partial<CorkableSocket> }).stream;
  return typeof socket?.cork === 'function' && typeof socket.uncork === 'function' ? (socket as CorkableSocket) : undefined;
}
