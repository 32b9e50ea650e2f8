import type { Redis } from 'ioredis';

/** One counter of a fixed-window limit: at most `limit` counts per `windowMs`. */
export interface FixedWindow {
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * KEYS: the counters. ARGV: [1] 1 to count, 0 to only check; then a limit and a window (ms)
 * per counter, in the order of KEYS. Returns 0 when no counter is at its limit (each counted
 * when asked), otherwise the milliseconds until the longest-blocked counter's window ends
 * (nothing counted). A window starts at its first count. A counter found without a TTL (a
 * PEXPIRE lost between the INCR and it would block forever) is given one.
 */
const TAKE = `
local wait = 0
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[i * 2]), tonumber(ARGV[i * 2 + 1])
  if tonumber(redis.call('GET', key) or '0') >= limit then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, window)
      ttl = window
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 or ARGV[1] == '0' then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[i * 2 + 1]) end
end
return 0
`;

const COMMAND = 'platformTakeFixedWindows';

type ScriptedRedis = Redis & { [COMMAND](...keysThenArgs: (string | number)[]): Promise<number> };

/**
 * Fixed-window counters in Redis, checked and counted in one script, so a limit holds exactly
 * across replicas and a refusal by one counter charges none of the others (several budgets
 * for one action: an address's and the whole platform's). Limits are given per call, so they
 * can come from live config.
 *
 * Hand-written rather than rate-limiter-flexible: its union of limiters consumes from each
 * one in turn (a refusal by one is still charged to the others) and fixes every limit when the
 * limiter is built.
 */
export class FixedWindows {
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis) {
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: TAKE });
    this.redis = redis as ScriptedRedis;
  }

  /** Counts one in every window, or in none: 0 when counted, else the milliseconds to wait. */
  take(windows: readonly FixedWindow[]): Promise<number> {
    return this.run(windows, true);
  }

  /** 0 when no window is at its limit, else the milliseconds to wait; counts nothing. */
  check(windows: readonly FixedWindow[]): Promise<number> {
    return this.run(windows, false);
  }

  private run(windows: readonly FixedWindow[], count: boolean): Promise<number> {
    return this.redis[COMMAND](
      windows.length,
      ...windows.map((window) => window.key),
      count ? 1 : 0,
      ...windows.flatMap((window) => [window.limit, window.windowMs]),
    );
  }
}
