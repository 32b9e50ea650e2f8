// The platform's part: how contracts are declared. Nothing here names the example domain.
export { type ConfigSection, type ConfigSectionValues, defineConfigSection } from './config-section.js';
export { type CounterContract, defineCounter } from './counter.js';
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

// The example domain's contracts (they move out of packages/ with the example services).
export { ServiceNames } from './services.js';
export { HelloReply, HelloRequest, SeedEvents, SeedPing, SeedRpc } from './seed.js';
export { PlatformCounters } from './counters.js';
export { BackInStockEmail, EMAIL_JOB_POLICY, EmailJob, EmailJobs, PasswordResetEmail, QueueContracts, type QueueName, Queues } from './queues.js';
export {
  CatalogEvents,
  CatalogRpc,
  CreateProduct,
  Price,
  Product,
  ProductId,
  ProductLookup,
  ProductName,
  ProductViewed,
  Stock,
  StockChange,
  StockUpdated,
  StockUpdateResult,
  TopProducts,
  TopProductsQuery,
  TopProductsRequest,
  UpdateStock,
  ViewedProduct,
} from './catalog.js';
export {
  EmailAddress,
  emailJobId,
  emailJobOptions,
  NotificationsRpc,
  Outbox,
  OutboxEmail,
  OutboxQuery,
  OutboxRequest,
  WatchProduct,
} from './notifications.js';
export {
  Account,
  AccountsRpc,
  ClientAddress,
  Credentials,
  LoginRequest,
  LoginResult,
  NewPassword,
  PasswordResetConfirmation,
  PasswordResetDone,
  PasswordResetRequest,
  Registration,
  ResetToken,
} from './accounts.js';
