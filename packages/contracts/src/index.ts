// How contracts are declared: the platform's part only. A service's own contracts live in
// contracts/<service>/ (@contracts/<service>), built with these.
export { type ConfigSection, type ConfigSectionValues, defineConfigSection } from './config-section.js';
export { type CounterContract, defineCounter } from './counter.js';
export { sensitiveFields } from './sensitive.js';
export {
  defineEvent,
  defineQueue,
  defineRpc,
  type EventContract,
  type EventPayload,
  type JobData,
  type JobName,
  type JobPolicy,
  jobOptions,
  type PolicyJobOptions,
  type QueueContract,
  type RpcContract,
  type RpcRequest,
  type RpcResponse,
  type ServiceName,
} from './define.js';
