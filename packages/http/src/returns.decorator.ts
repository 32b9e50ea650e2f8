import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

/** Metadata key (on the handler) of the schema @Returns declares. */
export const RESPONSE_SCHEMA = 'platform:http:response-schema';

type Handler<T> = (...args: never[]) => T | Promise<T>;

/**
 * Declares what a route answers on success, for the API document (@platform/openapi).
 * The compiler holds the handler to it: a handler whose return type is not the schema's
 * output type does not build, so the document cannot drift from the code. Nothing runs per
 * request: the replies are already typed (RPC replies are validated against their contract
 * by RpcClient), and parsing every response again would cost every request for nothing.
 */
export function Returns<S extends z.ZodType>(schema: S) {
  return <H extends Handler<z.output<S>>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<H>): void => {
    SetMetadata(RESPONSE_SCHEMA, schema)(target, key, descriptor);
  };
}
