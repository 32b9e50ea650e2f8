import { RedisContext, TcpContext } from '@nestjs/microservices';
import { StreamsContext } from '@platform/streams-transport';

/** The transport a message arrived over, from its Nest context (`@Ctx()` in a handler). */
export function transportOf(context: unknown): 'redis-streams' | 'redis' | 'tcp' | 'unknown' {
  if (context instanceof StreamsContext) return 'redis-streams';
  if (context instanceof RedisContext) return 'redis';
  if (context instanceof TcpContext) return 'tcp';
  return 'unknown';
}
