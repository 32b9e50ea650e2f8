import { Redis } from 'ioredis';

/** Commands Redis ran between two readings of INFO commandstats: per command and in all. */
export interface CommandCounts {
  total: number;
  byCommand: Record<string, number>;
}

/** Calls per command (`get`, `evalsha`, `config|resetstat`, ...) from an INFO commandstats reply. */
export function parseCommandStats(info: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [, command, count] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[command!] = Number(count);
  return calls;
}

/**
 * What ran between `before` and `after`, leaving out INFO: the readings themselves. Redis
 * counts a script's own calls too (an EVALSHA that runs GET and SET counts three), and every
 * database of the server: the caller keeps other work off the server while it measures.
 */
export function commandsBetween(before: Record<string, number>, after: Record<string, number>): CommandCounts {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, calls] of Object.entries(after)) {
    if (command === 'info') continue;
    const ran = calls - (before[command] ?? 0);
    if (ran <= 0) continue;
    byCommand[command] = ran;
    total += ran;
  }
  return { total, byCommand };
}

/** INFO commandstats of the server `redis` is connected to, as calls per command. */
export async function readCommandStats(redis: Redis): Promise<Record<string, number>> {
  return parseCommandStats(await redis.info('commandstats'));
}

/**
 * Reads INFO commandstats of the server at `url` over a connection of its own, so a reading
 * never queues behind the commands it counts.
 */
export class CommandStatsReader {
  private readonly connection: Redis;

  constructor(url: string) {
    this.connection = new Redis(url);
  }

  read(): Promise<Record<string, number>> {
    return readCommandStats(this.connection);
  }

  close(): void {
    this.connection.disconnect();
  }
}
