import { type DynamicModule, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { EventContract, RpcContract } from '@platform/contracts';
import { HANDLED_CONTRACT, type HandledContract, patternOf } from './contract-handlers.js';

/** A contract, or a group of them as contracts declares them (`CatalogRpc`, `SeedEvents`). */
export type HandledContracts = RpcContract | EventContract | Readonly<Record<string, RpcContract | EventContract>>;

export interface HandledContractsOptions {
  /** The service (`'catalog'`): it may answer only the RPC contracts it owns. */
  service: string;
  /** Every request this service answers and every event it subscribes to. */
  handles: readonly HandledContracts[];
}

/** One message handler found in the app: where it is, and what it was declared from. */
export interface FoundHandler {
  /** `Controller.method`. */
  where: string;
  /** The contract, for handlers declared with @HandlesRequest / @HandlesEvent. */
  handled?: HandledContract | undefined;
  /** The raw patterns of a handler declared with @MessagePattern / @EventPattern directly. */
  patterns?: readonly unknown[] | undefined;
}

const isRpc = (value: object): value is RpcContract => 'pattern' in value && 'request' in value && 'response' in value;
const isEvent = (value: object): value is EventContract => 'name' in value && 'payload' in value && !('pattern' in value);

/** The list of handled contracts flattened to contracts (groups expanded), each once. */
export function listedContracts(handles: readonly HandledContracts[]): HandledContract[] {
  const found = new Map<string, HandledContract>();
  const add = (value: object) => {
    if (isRpc(value)) found.set(keyOf({ kind: 'request', contract: value }), { kind: 'request', contract: value });
    else if (isEvent(value)) found.set(keyOf({ kind: 'event', contract: value }), { kind: 'event', contract: value });
    else for (const member of Object.values(value)) add(member as object);
  };
  for (const entry of handles) add(entry);
  return [...found.values()];
}

const keyOf = (handled: HandledContract) => `${patternOf(handled)} (${handled.kind})`;
const decoratorOf = (handled: HandledContract) => (handled.kind === 'request' ? '@HandlesRequest' : '@HandlesEvent');

/**
 * What is wrong between the contracts a service says it handles and the handlers it has,
 * every problem at once (empty when all is well):
 * - a listed contract with no handler, or with two (a message would be handled twice, or by
 *   whichever handler Nest registered last);
 * - a handler whose contract the service does not list (it would receive messages nobody
 *   expects it to take, e.g. a copy-pasted controller);
 * - an RPC contract owned by another service (two services would compete for its replies);
 * - a handler declared with a bare pattern instead of its contract (not validated).
 * Like immich's job registry check, applied to requests and events.
 */
export function findHandlerProblems({ service, handles }: HandledContractsOptions, handlers: readonly FoundHandler[]): string[] {
  const problems: string[] = [];
  const served = listedContracts(handles);
  const servedKeys = new Set(served.map(keyOf));
  const byKey = new Map<string, string[]>();
  for (const handler of handlers) {
    if (handler.handled) {
      const key = keyOf(handler.handled);
      byKey.set(key, [...(byKey.get(key) ?? []), handler.where]);
      if (!servedKeys.has(key)) {
        problems.push(`${handler.where} handles ${keyOf(handler.handled)}, which ${service} does not list among the contracts it handles`);
      }
    } else if (handler.patterns && handler.patterns.length > 0) {
      problems.push(
        `${handler.where} is declared with a bare pattern (${handler.patterns.map((pattern) => JSON.stringify(pattern)).join(', ')}); declare it from its contract with @HandlesRequest or @HandlesEvent`,
      );
    }
  }
  for (const handled of served) {
    const key = keyOf(handled);
    if (handled.kind === 'request' && handled.contract.service !== service) {
      problems.push(`${key} belongs to ${handled.contract.service}; ${service} must not answer it`);
    }
    const where = byKey.get(key) ?? [];
    if (where.length === 0) problems.push(`${key} has no handler; add a method with ${decoratorOf(handled)}(<its contract>)`);
    if (where.length > 1) problems.push(`${key} has ${where.length} handlers (${where.join(', ')}); keep one`);
  }
  return problems;
}

/** The error a service fails to start with when its handlers do not match its contracts. */
export class ContractHandlersError extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`${service} cannot start: its message handlers do not match the contracts it handles:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ContractHandlersError';
  }
}

// Nest's own metadata key of @MessagePattern / @EventPattern (@nestjs/microservices constants).
const PATTERN_METADATA = 'microservices:pattern';

const HANDLED_CONTRACTS_OPTIONS = Symbol('HANDLED_CONTRACTS_OPTIONS');

/** Reads every controller's message handlers once the app's modules are loaded, and checks them. */
@Injectable()
class HandledContractsCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(HANDLED_CONTRACTS_OPTIONS) private readonly options: HandledContractsOptions,
  ) {}

  onModuleInit(): void {
    const problems = findHandlerProblems(this.options, this.handlers());
    if (problems.length > 0) throw new ContractHandlersError(this.options.service, problems);
  }

  private handlers(): FoundHandler[] {
    const found: FoundHandler[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!type?.prototype) continue;
      const prototype = type.prototype as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = prototype[method] as object;
        const handled = Reflect.getMetadata(HANDLED_CONTRACT, fn) as HandledContract | undefined;
        const patterns = Reflect.getMetadata(PATTERN_METADATA, fn) as unknown[] | undefined;
        if (handled || patterns) found.push({ where: `${type.name}.${method}`, handled, patterns });
      }
    }
    return found;
  }
}

/**
 * Fails the service's start, naming every problem, when its message handlers do not match
 * the contracts it handles (see findHandlerProblems). bootstrapService imports it with the
 * service's `handles` list; a service with no handlers lists nothing and passes.
 */
@Module({})
export class HandledContractsModule {
  static forService(options: HandledContractsOptions): DynamicModule {
    return {
      module: HandledContractsModule,
      imports: [DiscoveryModule],
      providers: [{ provide: HANDLED_CONTRACTS_OPTIONS, useValue: options }, HandledContractsCheck],
    };
  }
}
