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
export { type PlatformCounter, PlatformCounters } from './counters.js';
export { PLATFORM_CONFIG_DEFAULTS, PlatformConfig, type PlatformConfigKey } from './platform-config.js';
export { BackInStockEmail, EmailJob, EmailJobs, PasswordResetEmail, type QueueName, Queues } from './queues.js';
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
  EMAIL_JOB_POLICY,
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
