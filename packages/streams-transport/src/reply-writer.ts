import type { Redis } from 'ioredis';

/** A Redis command as `redis.call` takes it. */
export type RedisCommand = [name: string, ...args: string[]];

interface Queued {
  commands: RedisCommand[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes the replies (each with its ack) that handlers finish in the same tick as one
 * MULTI/EXEC: under load, a read of 16 requests is answered with one round trip and one socket
 * write instead of 16 (measured in bench/: about half the server's CPU per request). Every
 * reply stays atomic with its XACK (they share one transaction); a command that fails at
 * execution fails only the reply it belongs to. One that Redis refuses while queueing (OOM)
 * aborts the whole batch, whose replies would all fail anyway.
 */
export class ReplyWriter {
  private queue: Queued[] = [];
  private scheduled = false;

  constructor(private readonly redis: Redis) {}

  /** Resolves once `commands` were executed, all of them in one transaction. */
  write(commands: RedisCommand[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ commands, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After the current microtasks: every handler that finishes in this tick joins the batch.
      process.nextTick(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    const transaction = this.redis.multi();
    for (const { commands } of batch) for (const [name, ...args] of commands) transaction.call(name, ...args);
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await transaction.exec();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    if (!results) {
      const aborted = new Error('the transaction was aborted');
      for (const item of batch) item.reject(aborted);
      return;
    }
    let offset = 0;
    for (const item of batch) {
      const own = results.slice(offset, (offset += item.commands.length));
      const failure = own.find(([error]) => error)?.[0];
      if (failure) item.reject(failure);
      else item.resolve();
    }
  }
}
