import type { z } from 'zod';

/**
 * A service's name as the registry knows it (the folder under services/, see @platform/registry):
 * a plain string, so a new service needs no edit here.
 */
export type ServiceName = string;

/** A request/response message: who answers it, its pattern, and the shapes both ways. */
export interface RpcContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly service: ServiceName;
  readonly pattern: string;
  readonly request: Req;
  readonly response: Res;
}

/** A domain event: its name (the channel or stream it travels on) and its payload shape. */
export interface EventContract<Payload extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly payload: Payload;
}

/** Declares a request/response message; the pattern is `<service>.<name>`, so it is unique. */
export function defineRpc<Req extends z.ZodType, Res extends z.ZodType>(
  service: ServiceName,
  name: string,
  shapes: { request: Req; response: Res },
): RpcContract<Req, Res> {
  return Object.freeze({ service, pattern: `${service}.${name}`, ...shapes });
}

/** Declares a domain event. */
export function defineEvent<Payload extends z.ZodType>(name: string, payload: Payload): EventContract<Payload> {
  return Object.freeze({ name, payload });
}

export type RpcRequest<C extends RpcContract> = z.input<C['request']>;
export type RpcResponse<C extends RpcContract> = z.output<C['response']>;
export type EventPayload<C extends EventContract> = z.output<C['payload']>;
