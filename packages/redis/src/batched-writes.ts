import type { Redis } from 'ioredis';

/** What corking needs of a socket: Node's `Writable#cork` and `#uncork`. */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

/**
 * The connection's socket, to cork while a batch of commands is issued so they leave in one
 * write (one system call), or undefined when there is none to cork (not connected yet).
 * `stream` is the socket ioredis writes to; it is not part of ioredis' typed API, hence the check.
 */
export function corkableSocket(redis: Redis): CorkableSocket | undefined {
  const socket = (redis as { stream?: Partial<CorkableSocket> }).stream;
  return typeof socket?.cork === 'function' && typeof socket.uncork === 'function' ? (socket as CorkableSocket) : undefined;
}

/**
 * Makes `redis` send the commands issued in one turn of the event loop in one socket write:
 * the turn's first command corks the socket until the loop's check phase (`setImmediate`),
 * which runs once the turn's I/O callbacks are done. A lone command waits for nothing: with no
 * other callback in its turn, the check phase follows at once. Uncorking at the end of the tick
 * instead (`process.nextTick`) would write each command alone, as each socket callback is a
 * tick of its own.
 *
 * It saves CPU, and costs latency under load: the turn's first command waits for the last.
 * - Worth it where the process is CPU-bound on what it sends: the Streams transport's client
 *   in a gateway under load (every HTTP request read in one poll sends in one write).
 * - A loss where throughput is bound by round trips and the peer runs on another core: a
 *   BullMQ worker at concurrency 5 used less CPU per job with it, and drained fewer jobs a
 *   second, as the worker and Redis took turns instead of working at once (notifications'
 *   README, "The worker's round trips"). Measure before turning it on.
 *
 * Written here because ioredis' own auto-pipelining batches with a pipeline object per batch
 * and per command, which costs more than it saves (streams-transport's README, "Fewer writes").
 * Applies to this connection only: ioredis' `duplicate()` makes a plain one. Commands queued
 * while the connection is not ready go out when it is, as ioredis sends them.
 */
export function batchWritesPerTurn(redis: Redis): Redis {
  const send = redis.sendCommand;
  let corked = false;
  redis.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
    if (!corked && this.status === 'ready') {
      const socket = corkableSocket(this);
      if (socket) {
        socket.cork();
        corked = true;
        setImmediate(() => {
          corked = false;
          socket.uncork();
        });
      }
    }
    return send.apply(this, args);
  } as Redis['sendCommand'];
  return redis;
}
