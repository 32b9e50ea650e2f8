export { type ConfigDocument, DEFAULT_DOCUMENT, InvalidConfigError, parseStoredDocument, validateConfig } from './config-document.js';
export { type ConfigChangeListener, LiveConfig, type LiveConfigOptions } from './live-config.js';
export { CONFIG_CHANNEL, CONFIG_KEY, DEFAULT_VERSION_CHECK_INTERVAL_MS } from './live-config.constants.js';
export { LiveConfigModule } from './live-config.module.js';
export { ConfigConflictError, LiveConfigStore } from './live-config.store.js';
