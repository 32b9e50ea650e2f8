export type { StreamsStatus } from './connections.js';
export { isStreamsTransportError, type StreamsErrorCode, StreamsTransportError } from './errors.js';
export { DEFAULT_KEY_PREFIX, type StreamKeys, streamKeys } from './keys.js';
export {
  resolveClientOptions,
  resolveServerOptions,
  type StreamsClientOptions,
  type StreamsCommonOptions,
  type StreamsServerOptions,
  type StreamTrim,
} from './options.js';
export { type SendOptions, StreamsClient } from './streams-client.js';
export { StreamsContext } from './streams-context.js';
export { type RepeatAnswer } from './request-memory.js';
export { REDIS_STREAMS_TRANSPORT, type StreamsHandlerExtras, StreamsServer } from './streams-server.js';
