export { ServiceNames, type ServiceName } from './services.js';
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
} from './define.js';
export { HelloReply, HelloRequest, SeedEvents, SeedPing, SeedRpc } from './seed.js';
export { type PlatformCounter, PlatformCounters } from './counters.js';
export { PLATFORM_CONFIG_DEFAULTS, PlatformConfig, type PlatformConfigKey } from './platform-config.js';
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
