export { batchWritesPerTurn, type CorkableSocket, corkableSocket } from './batched-writes.js';
export { closeRedis, type ConnectionLogger, createRedis, type CreateRedisOptions, isRedisReady, logConnectionTrouble } from './create-redis.js';
export {
  connectionOptionsFromUrl,
  reconnectDelay,
  reconnectOnReadOnly,
  type RedisRole,
  type RedisSettings,
  redisOptions,
} from './redis-options.js';
export { REDIS, RedisModule } from './redis.module.js';
export { commandFailure } from './command-failure.js';
export { type FixedWindow, FixedWindows } from './fixed-windows.js';
