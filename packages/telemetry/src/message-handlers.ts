import { patternName } from './rpc-attributes.js';

/** A registered pattern handler (Nest's MessageHandler): called with the data and the RPC context. */
export interface MessageHandler {
  (data: unknown, rpcContext?: unknown): Promise<unknown>;
  isEventHandler?: boolean;
  extras?: Record<string, unknown>;
  next?: MessageHandler;
}

/** What wrapMessageHandlers needs of a Nest transport server (@nestjs/microservices' Server). */
export interface HandlerRegistry {
  getHandlers(): Map<string, MessageHandler>;
  addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void;
}

/** Whether `server` keeps its handlers as Nest's transport servers do. */
export function isHandlerRegistry(server: unknown): server is HandlerRegistry {
  if (typeof server !== 'object' || server === null) return false;
  const { getHandlers, addHandler } = server as Partial<HandlerRegistry>;
  return typeof getHandlers === 'function' && typeof addHandler === 'function';
}

/**
 * Replaces every handler of `server` with `wrap(handler, pattern)`: those registered already
 * in place, those registered later on their way in. The wrapper keeps what Nest reads off a
 * handler: whether it handles events, its extras, and `next`, the chain of further handlers of
 * the same event, which Nest extends on the registered (outer) handler and runs from the inner.
 * Per handler rather than per message, so the wrapper costs nothing to look up.
 */
export function wrapMessageHandlers(
  server: HandlerRegistry,
  wrap: (handler: MessageHandler, pattern: string) => MessageHandler,
): void {
  const wrapped = (handler: MessageHandler, pattern: string): MessageHandler => {
    const outer = wrap(handler, pattern);
    outer.isEventHandler = handler.isEventHandler;
    outer.extras = handler.extras;
    Object.defineProperty(outer, 'next', {
      get: () => handler.next,
      set: (next: MessageHandler | undefined) => {
        handler.next = next;
      },
    });
    return outer;
  };
  const handlers = server.getHandlers();
  for (const [pattern, handler] of handlers) handlers.set(pattern, wrapped(handler, pattern));
  const addHandler = server.addHandler.bind(server);
  server.addHandler = (pattern, callback, isEventHandler, extras) =>
    addHandler(pattern, wrapped(callback, patternName(pattern)), isEventHandler, extras);
}
