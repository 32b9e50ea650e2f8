export { type ConfigDocument, ConfigSchema, type ConfigValues, InvalidConfigError, type RegisteredSection } from './config-document.js';
export { canonicalJson, configGeneration } from './config-generation.js';
export { type ConfigChangeListener, LiveConfig, type LiveConfigOptions } from './live-config.js';
export {
  CONFIG_CHANNEL,
  CONFIG_KEY,
  CONFIG_SECTIONS_KEY,
  configSectionKey,
  DEFAULT_SECTION_TTL_SECONDS,
  DEFAULT_VERSION_CHECK_INTERVAL_MS,
} from './live-config.constants.js';
export { LiveConfigModule } from './live-config.module.js';
export { ConfigConflictError, LiveConfigStore, type StoredDocument } from './live-config.store.js';
