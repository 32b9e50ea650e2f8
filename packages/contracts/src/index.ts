export { ServiceNames, type ServiceName } from './services.js';
export {
  defineEvent,
  defineRpc,
  type EventContract,
  type EventPayload,
  type RpcContract,
  type RpcRequest,
  type RpcResponse,
} from './define.js';
export { HelloReply, HelloRequest, SeedEvents, SeedPing, SeedRpc } from './seed.js';
