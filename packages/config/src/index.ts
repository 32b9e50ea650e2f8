export { ConfigError, loadConfig } from './load-config.js';
export {
  bool,
  commonEnv,
  hostPortList,
  list,
  LogLevel,
  port,
  positiveInt,
  redisSettingsFromEnv,
  redisUrl,
} from './fields.js';
