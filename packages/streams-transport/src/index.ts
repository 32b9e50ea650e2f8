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
export { type ClientRepeatAnswer, type SendOptions, StreamsClient } from './streams-client.js';
export { StreamsContext } from './streams-context.js';
export { REDIS_STREAMS_TRANSPORT, type RepeatAnswer, type StreamsHandlerExtras, StreamsServer } from './streams-server.js';
