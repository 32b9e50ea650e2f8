import { type Redis, ReplyError } from 'ioredis';

/** A Redis command as `redis.call` takes it; its first argument is the one key it touches (WRITE_BATCH declares it). */
export type RedisCommand = [name: string, ...args: string[]];

interface Queued {
  commands: RedisCommand[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** How a command merges: see MERGEABLE. */
interface MergeRule {
  fixed: number;
  dedupe?: true;
}

/**
 * Commands that several replies of one batch may share: how many arguments name the target
 * (the rest are appended together), or `dedupe` when equal commands are sent once. Each one
 * touches one key, so the merged command fails exactly when each of its parts would have
 * (a wrong type, a missing group): merging changes no reply's outcome.
 */
const MERGEABLE: Record<string, MergeRule> = {
  RPUSH: { fixed: 1 },
  XACK: { fixed: 2 },
  XDEL: { fixed: 1 },
  PEXPIRE: { fixed: 2, dedupe: true },
};

/**
 * Runs a batch's commands in order, each under `redis.pcall`, and answers for each one 0, or its
 * error's message: like MULTI/EXEC, a command that fails fails alone and the others run, and
 * nothing else runs in between. Every command names one key (KEYS[i] for the i-th); ARGV holds
 * each command's name, the count of its other arguments, and them. The `#!lua` line makes it a
 * Redis 7 script with flags (none): Redis refuses the whole call when it is out of memory, as it
 * aborts a MULTI whose commands it refused while queueing, instead of failing the first write
 * and running the acknowledgements after it.
 */
const WRITE_BATCH = `#!lua
local results = {}
local at = 1
for i = 1, #KEYS do
  local count = tonumber(ARGV[at + 1])
  local reply = redis.pcall(ARGV[at], KEYS[i], unpack(ARGV, at + 2, at + 1 + count))
  at = at + 2 + count
  if type(reply) == 'table' and reply.err then results[i] = reply.err else results[i] = 0 end
end
return results`;

/** A merged command grows to this many arguments at most, well under what Lua's `unpack` takes (about 8,000). */
const MAX_MERGED_ARGUMENTS = 1_000;

type ScriptedRedis = Redis & { streamsWriteBatch?: (...args: string[]) => Promise<Array<0 | string>> };

/**
 * Writes the replies (each with its ack) that handlers finish in the same tick as one atomic
 * call: under load, a read of 16 requests is answered with one round trip and one socket write
 * instead of 16 (measured in bench/: about half the server's CPU per request). Inside it, the
 * replies to one caller go out as one RPUSH with one PEXPIRE, and the requests of one stream
 * are acknowledged and deleted by one XACK and one XDEL, at the place of their first use (so a
 * PEXPIRE still follows the push that creates its key). Every reply stays atomic with its XACK;
 * a command that fails at execution fails only the replies it belongs to, and a call Redis
 * refuses as a whole (out of memory) fails them all with nothing done.
 *
 * The call is one script (WRITE_BATCH), not a MULTI/EXEC: ioredis costs about 8 µs of CPU per
 * command it sends, and a transaction of four commands is six (measured alone against a
 * redis-server of its own, one batch in flight: 80-100 µs of client CPU per MULTI of RPUSH,
 * PEXPIRE, XACK and XDEL, 37-48 µs per script call doing the same; Redis itself 24 against 31
 * µs, and 16 against 15 with 16 in flight). A batch that holds a script of its own (EVAL, which
 * a script cannot call) still goes as a MULTI.
 */
export class ReplyWriter {
  private queue: Queued[] = [];
  private scheduled = false;

  constructor(private readonly redis: Redis) {
    const scripted = redis as ScriptedRedis;
    // defineCommand runs the script by its SHA (EVALSHA) and loads it again after a Redis restart.
    if (typeof scripted.streamsWriteBatch !== 'function') redis.defineCommand('streamsWriteBatch', { lua: WRITE_BATCH });
  }

  /** Resolves once `commands` were executed, all of them at once (nothing else runs between them). */
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
    const { commands, owners } = merge(batch);
    let failures: ReadonlyArray<Error | null | undefined>;
    try {
      failures = commands.some((command) => command[0] === 'EVAL') ? await this.transaction(commands) : await this.script(commands);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const failure = firstFailure(owners[i]!, failures);
      if (failure) batch[i]!.reject(failure);
      else batch[i]!.resolve();
    }
  }

  /** Runs `commands` in WRITE_BATCH; for each, undefined or the error it failed with. */
  private async script(commands: readonly RedisCommand[]): Promise<Array<Error | undefined>> {
    // The script's arguments, built in one array (this runs once per batch, on the hot path):
    // the count of keys, the keys, then each command's name, its count of other arguments, and them.
    const args: string[] = [String(commands.length)];
    for (const command of commands) args.push(command[1]!);
    for (const command of commands) {
      args.push(command[0], String(command.length - 2));
      for (let i = 2; i < command.length; i++) args.push(command[i]!);
    }
    const results = await (this.redis as ScriptedRedis).streamsWriteBatch!(...args);
    return results.map((result) => (result === 0 ? undefined : new RedisReplyError(result)));
  }

  /** Runs `commands` in one MULTI/EXEC; for each, undefined or the error it failed with. */
  private async transaction(commands: RedisCommand[]): Promise<Array<Error | null | undefined>> {
    const transaction = this.redis.multi();
    for (const [name, ...args] of commands) transaction.call(name, ...args);
    const results = await transaction.exec();
    if (!results) throw new Error('the transaction was aborted');
    return results.map(([error]) => error);
  }
}

/** ioredis' class for an error reply (redis-errors', untyped there): a failed command of either path is one. */
const RedisReplyError = ReplyError as new (message: string) => Error;

/** The first of `failures` at `indexes`, if any. */
function firstFailure(indexes: readonly number[], failures: ReadonlyArray<Error | null | undefined>): Error | undefined {
  for (const index of indexes) {
    const failure = failures[index];
    if (failure) return failure;
  }
  return undefined;
}

/**
 * Whether `command` joins `target`, a command of the same name and key: their other fixed
 * arguments match, and for a `dedupe` rule all of them (the command is then sent once).
 */
function joins(target: RedisCommand, command: RedisCommand, rule: MergeRule): boolean {
  const end = rule.dedupe ? command.length : rule.fixed + 1;
  if (rule.dedupe && target.length !== end) return false;
  for (let i = 2; i < end; i++) if (target[i] !== command[i]) return false;
  return true;
}

/**
 * The batch's commands with the mergeable ones merged, and for each item the commands it
 * depends on. Merge targets are found by name and key, then compared on their other fixed
 * arguments: no key string is built per command (this runs for every reply). Only a command
 * that others are appended to is copied; the rest are sent as given.
 */
export function merge(batch: ReadonlyArray<{ commands: RedisCommand[] }>): { commands: RedisCommand[]; owners: number[][] } {
  const commands: RedisCommand[] = [];
  const owners: number[][] = [];
  // Per command name, per key: the index of the last command of its kind, which the next one may join.
  const targets = new Map<string, Map<string, number>>();
  for (const item of batch) {
    const own: number[] = [];
    for (const command of item.commands) {
      const name = command[0];
      const rule = MERGEABLE[name];
      if (!rule) {
        own.push(commands.push(command) - 1);
        continue;
      }
      const key = command[1]!;
      let byKey = targets.get(name);
      if (!byKey) targets.set(name, (byKey = new Map()));
      const index = byKey.get(key);
      if (index === undefined || !joins(commands[index]!, command, rule)) {
        byKey.set(key, commands.length);
        own.push(commands.push(rule.dedupe ? command : [...command]) - 1);
        continue;
      }
      if (!rule.dedupe) {
        const target = commands[index]!;
        for (let i = rule.fixed + 1; i < command.length; i++) target.push(command[i]!);
        // A full command is no longer a target: the next one of its kind starts a new command.
        if (target.length > MAX_MERGED_ARGUMENTS) byKey.delete(key);
      }
      if (own.at(-1) !== index) own.push(index);
    }
    owners.push(own);
  }
  return { commands, owners };
}
