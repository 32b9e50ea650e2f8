export { HANDLED_CONTRACT, type HandledContract, HandlesEvent, HandlesRequest, patternOf } from './contract-handlers.js';
export { createClientProxy, type RpcClientProxy } from './client-factory.js';
export { type NestRedisOptions, nestRedisOptions } from './nest-redis-options.js';
export { RpcClient, type RpcClientOptions } from './rpc-client.js';
export { RpcErrorFilter } from './rpc-error.filter.js';
export { isRemoteError, type RemoteError, type RpcOutcome, toHttpException } from './rpc-errors.js';
export { type HandledOutcome, handledOutcome, markOutcome } from './rpc-outcome.js';
export { RpcServerMetrics } from './rpc-server-metrics.js';
export { serverOptions } from './server-options.js';
export { transportOf } from './transport-name.js';
export { TransportReadiness } from './transport-readiness.js';
export type { EventTransportTarget, TransportKind, TransportTarget } from './targets.js';
export { TransportModule, type TransportClientsOptions } from './transport.module.js';
export {
  ContractHandlersError,
  findHandlerProblems,
  type FoundHandler,
  type HandledContracts,
  HandledContractsModule,
  type HandledContractsOptions,
  listedContracts,
} from './handled-contracts.js';
