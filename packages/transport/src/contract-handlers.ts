import { type ArgumentMetadata, applyDecorators, type PipeTransform, SetMetadata, UsePipes } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import type { EventContract, RpcContract } from '@platform/contracts';
import type { StreamsHandlerExtras } from '@platform/streams-transport';
import { ZodValidationPipe } from '@platform/validation';
import type { z } from 'zod';

/** Metadata key of the contract a handler method was declared from. */
export const HANDLED_CONTRACT = 'platform:handled-contract';

// Nest's own metadata (@nestjs/microservices constants and RpcParamtype, which its index does
// not export): the key of parameter decorators (`@Payload()`, `@Ctx()`) and the payload's type.
const PARAM_ARGS_METADATA = '__routeArguments__';
const PAYLOAD_PARAM = 3;

/** What a handler declared from a contract answers: a request or an event. */
export type HandledContract = { kind: 'request'; contract: RpcContract } | { kind: 'event'; contract: EventContract };

/** The pattern a contract travels on: an RPC's `<service>.<name>`, an event's name. */
export function patternOf(handled: HandledContract): string {
  return handled.kind === 'request' ? handled.contract.pattern : handled.contract.name;
}

/**
 * Validates the whole message payload against a contract's schema and hands the parsed
 * value (defaults applied) to the handler; anything else is refused with a 400 that names
 * each problem (RpcErrorFilter sends it back to the caller as a 400). It only touches the
 * payload: method-scoped pipes also run for `@Ctx()` and custom parameters.
 */
class ContractPayloadPipe<S extends z.ZodType> implements PipeTransform {
  private readonly validation: ZodValidationPipe<S>;

  constructor(schema: S) {
    this.validation = new ZodValidationPipe(schema);
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    // Pipes see the RPC payload as 'body' (RpcParamtype.PAYLOAD and RouteParamtypes.BODY are
    // both 3); `@Ctx()` and custom parameters come as 'custom'.
    return metadata.type === 'body' ? this.validation.transform(value) : value;
  }
}

/**
 * The payload must reach the handler whole, through `@Payload()` (or no parameter
 * decorator at all, when Nest passes it as the first argument): `@Payload('id')` would hand
 * the pipe one field, which the contract's schema cannot validate. Parameter decorators run
 * before method decorators, so this is known when the class is defined, and a mistake fails
 * the import of the controller rather than a request.
 */
function assertWholePayload(target: object, key: string | symbol, declared: string): void {
  const params = (Reflect.getMetadata(PARAM_ARGS_METADATA, target.constructor, key) ?? {}) as Record<string, { data?: unknown }>;
  const name = `${target.constructor.name}.${String(key)}`;
  const payloads = Object.entries(params).filter(([param]) => param.split(':')[0] === String(PAYLOAD_PARAM));
  for (const [, { data }] of payloads) {
    if (data !== undefined) {
      throw new Error(`${declared} on ${name}: take the whole payload with @Payload(), not @Payload(${JSON.stringify(data)}); the contract validates the whole message`);
    }
  }
  if (Object.keys(params).length > 0 && payloads.length === 0) {
    throw new Error(`${declared} on ${name}: the handler has parameters but none is @Payload(); declare it, so the contract validates the message`);
  }
}

function handles(handled: HandledContract, declared: string, pattern: MethodDecorator, schema: z.ZodType): MethodDecorator {
  const decorators = applyDecorators(SetMetadata(HANDLED_CONTRACT, handled), pattern, UsePipes(new ContractPayloadPipe(schema)));
  return (target, key, descriptor) => {
    assertWholePayload(target, key, declared);
    decorators(target, key, descriptor);
  };
}

/**
 * Pattern extras for the transports: the fields the contract marks sensitive, which the
 * Streams transport redacts in what it stores for an operator (StreamsHandlerExtras); the
 * other transports store nothing and ignore it.
 */
function extrasOf(contract: RpcContract | EventContract): StreamsHandlerExtras {
  return 'readOnly' in contract && contract.readOnly ? { sensitive: contract.sensitive, readOnly: true } : { sensitive: contract.sensitive };
}

/**
 * Declares the handler of a request/response contract: subscribes to its pattern and
 * validates the payload with its request schema. Replaces `@MessagePattern(pattern)` plus
 * `@Payload(new ZodValidationPipe(schema))`; take the payload with `@Payload()`.
 */
export function HandlesRequest(contract: RpcContract): MethodDecorator {
  return handles(
    { kind: 'request', contract },
    `@HandlesRequest(${contract.pattern})`,
    MessagePattern(contract.pattern, extrasOf(contract)),
    contract.request,
  );
}

/**
 * Declares a handler of a domain event: subscribes to its name and validates the payload
 * with its schema. Replaces `@EventPattern(name)` plus a validation pipe.
 */
export function HandlesEvent(contract: EventContract): MethodDecorator {
  return handles(
    { kind: 'event', contract },
    `@HandlesEvent(${contract.name})`,
    EventPattern<string>(contract.name, extrasOf(contract)) as MethodDecorator,
    contract.payload,
  );
}
