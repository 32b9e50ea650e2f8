import { BaseRpcContext } from '@nestjs/microservices';
import type { Headers } from './envelope.js';

type StreamsContextArgs = [pattern: string, headers: Headers, stream: string, entryId: string];

/** What a handler can learn about the message it handles (`@Ctx() context: StreamsContext`). */
export class StreamsContext extends BaseRpcContext<StreamsContextArgs> {
  /** The message pattern the handler was registered for. */
  getPattern(): string {
    return this.args[0];
  }

  /** Headers the sender attached: Nest packet metadata and trace context. */
  getMetadata(): Headers {
    return this.args[1];
  }

  /** The stream key the message was read from. */
  getStream(): string {
    return this.args[2];
  }

  /** The stream entry id; stable across redeliveries, so it can serve as an idempotency key. */
  getEntryId(): string {
    return this.args[3];
  }
}
