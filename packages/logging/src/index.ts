export { createLogger, type LoggerSettings, REDACTED_PATHS } from './create-logger.js';
export { NestPinoLogger } from './nest-logger.js';
export { requestLogger } from './request-logger.js';
export type { Logger } from 'pino';
