import type { Redis } from 'ioredis';
import type { RequestEnvelope } from './envelope.js';
import type { StreamKeys } from './keys.js';
import type { RedisCommand } from './reply-writer.js';

/**
 * What the server remembers of a request id, as JSON under `<prefix>:handled:<pattern>:<id>`:
 * - `running`: a replica is handling the entry `entry`, for the caller reading `replyTo`;
 * - `done`: the replies it sent (each packet's JSON, in order), for a repeat to get them back.
 */
type Remembered = { state: 'running'; entry: string; replyTo: string } | { state: 'done'; replies: string[] };

/** What to do with a request entry, given what is remembered of its id. */
export type Admission =
  /** Never seen (or taken over from a replica that died handling this very entry): handle it. */
  | { kind: 'run' }
  /** Answered before: send the same replies, do not run the handler. */
  | { kind: 'replay'; replies: string[] }
  /** Another entry of the same call (same id, same reply list) is being handled: this copy is dropped. */
  | { kind: 'duplicate' }
  /** Another caller's request with this id is being handled: refused, the caller retries later. */
  | { kind: 'in-progress' };

/**
 * The deadline is the client's clock, checked by the server's: this much slack keeps a
 * memory from expiring early on a server whose clock runs ahead.
 */
const CLOCK_SLACK_MS = 1_000;

/** The value that records `entry`, a request of the caller reading `replyTo`, as running. */
export function runningRecord(entry: string, replyTo: string): string {
  const running: Remembered = { state: 'running', entry, replyTo };
  return JSON.stringify(running);
}

/** How long a request id stays recorded as running: past its deadline by the claim delay. */
export function runningTtlMs(deadline: number, claimIdleMs: number): number {
  return leftMs(deadline) + claimIdleMs;
}

/**
 * Each request's effect once, whoever repeats it: ioredis resending an XADD Redis had
 * already executed (a connection reset), the caller retrying after a timeout under the same
 * request id, or another replica taking over an entry. Before a handler runs, one
 * `SET NX GET` records the id as running (and tells what was there); the replies are recorded
 * in the same transaction as the reply and its XACK, so a request answered is a request
 * remembered. A repeat is answered from memory, without running the handler again.
 *
 * How long: while the request runs, until its deadline plus the claim delay (a replica that
 * dies handling it releases the id then, or the take-over runs it); once answered, until the
 * deadline plus what the caller asked (`keepReplyMs`: a caller that retries under the same id,
 * like the gateway for an Idempotency-Key, asks for as long as it may retry).
 *
 * A request a replica died handling is run again by the replica that takes it over: whether
 * the handler's writes landed before the crash cannot be known from here. Handlers whose
 * writes must happen once key them by the request id (`operationId` in @platform/deadlines).
 */
export class RequestMemory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StreamKeys,
    /** The server's claim delay: how long a dead replica's request stays "running". */
    private readonly claimIdleMs: number,
  ) {}

  /** Records `request` (entry `entryId`) as running unless its id is known; says what to do. */
  async admit(pattern: string, entryId: string, request: RequestEnvelope): Promise<Admission> {
    const ttl = runningTtlMs(request.deadline, this.claimIdleMs);
    const previous = await this.redis.call('SET', this.keys.handled(pattern, request.id), runningRecord(entryId, request.replyTo), 'PX', String(ttl), 'NX', 'GET');
    return previous === null ? { kind: 'run' } : admissionGiven(previous, entryId, request.replyTo);
  }

  /**
   * The command that records the outcome, for the reply's transaction: the replies when they
   * are the request's answer, or forgetting the id when they say nothing was done (a refusal,
   * an overload, a deadline), so a retry under the same id runs it.
   */
  settle(pattern: string, request: RequestEnvelope, replies: string[] | undefined): RedisCommand {
    const key = this.keys.handled(pattern, request.id);
    if (!replies) return ['DEL', key];
    const done: Remembered = { state: 'done', replies };
    return ['SET', key, JSON.stringify(done), 'PX', String(leftMs(request.deadline) + request.keepReplyMs)];
  }
}

/**
 * What to do with entry `entryId` of the caller reading `replyTo`, given the value remembered
 * under its request id (see Remembered). `entryId` is undefined for a request not appended
 * yet (the caller's enqueue found the id remembered), which is never the same entry.
 */
export function admissionGiven(previous: unknown, entryId: string | undefined, replyTo: string): Admission {
  const remembered = parse(previous);
  if (!remembered) return { kind: 'run' };
  if (remembered.state === 'done') return { kind: 'replay', replies: remembered.replies };
  // The same entry again: the replica that held it stopped heartbeating (it died), so
  // another took it over; its replies never went out.
  if (remembered.entry === entryId) return { kind: 'run' };
  return remembered.replyTo === replyTo ? { kind: 'duplicate' } : { kind: 'in-progress' };
}

/** How a repeated request id was answered without its handler: the label metrics count it under. */
export type RepeatAnswer = 'replayed' | 'duplicate' | 'in_progress';

/** The metric label of a repeat's admission. */
export function repeatAnswerOf(admission: Exclude<Admission, { kind: 'run' }>): RepeatAnswer {
  return admission.kind === 'replay' ? 'replayed' : admission.kind === 'duplicate' ? 'duplicate' : 'in_progress';
}

/** The error a request gets while another caller's request under its id is handled (409, nothing done). */
export function stillInProgress(pattern: string, id: string): { statusCode: number; error: string; message: string } {
  return {
    statusCode: 409,
    error: 'Conflict',
    message: `a ${pattern} request with the id ${id} is still being handled for another caller; nothing was done: retry after it completes`,
  };
}

function leftMs(deadline: number): number {
  return Math.max(0, deadline - Date.now()) + CLOCK_SLACK_MS;
}

/** A remembered value, or undefined for one this version did not write (it is overwritten). */
function parse(value: unknown): Remembered | undefined {
  try {
    const parsed = JSON.parse(String(value)) as Partial<Remembered> | null;
    if (parsed?.state === 'done' && Array.isArray(parsed.replies) && parsed.replies.every((reply) => typeof reply === 'string')) return parsed as Remembered;
    if (parsed?.state === 'running' && typeof parsed.entry === 'string' && typeof parsed.replyTo === 'string') return parsed as Remembered;
  } catch {
    // Not JSON: handled below as unknown.
  }
  return undefined;
}

/**
 * Whether an error reply says nothing was done, so the id is forgotten instead of remembered
 * with it: a refusal (4xx: bad input, not found, conflict), an overload (503) or a deadline
 * reached before an irreversible step (504). The same rule as the gateway's for
 * Idempotency-Key answers. Any other failure (a 500) may have done part of the work: a repeat
 * gets the same failure rather than a second run.
 */
export function saysNothingWasDone(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && ((status >= 400 && status < 500) || status === 503 || status === 504);
}

/**
 * Appends a request and records its id as running, in one step: the caller claims the id
 * when it sends, so the server runs the entry at once instead of asking the memory first (a
 * round trip on the path of every request, the largest cost the transport had left: see the
 * README). An id already remembered is not appended again; the answer says what is known.
 * KEYS: the request stream, the id's memory key. ARGV: the record's TTL in ms, the caller's
 * reply key as JSON, then XADD's arguments after the key. The record is built exactly as
 * runningRecord builds it, so forgetRunning can compare it. A value this version did not
 * write is overwritten, as admit does.
 * Returns `{1, entryId}` when appended, `{0, remembered}` when the id is known.
 */
const ENQUEUE = `
local previous = redis.call('GET', KEYS[2])
if previous then
  local ok, value = pcall(cjson.decode, previous)
  if ok and type(value) == 'table' and (value.state == 'done' or value.state == 'running') then return {0, previous} end
end
local entry = redis.call('XADD', KEYS[1], unpack(ARGV, 3))
redis.call('SET', KEYS[2], '{"state":"running","entry":"' .. entry .. '","replyTo":' .. ARGV[2] .. '}', 'PX', ARGV[1])
return {1, entry}
`;

/** Deletes KEYS[1] only while it still holds ARGV[1] (the running record of one entry). */
const FORGET_RUNNING = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

interface ScriptedRedis extends Redis {
  streamsEnqueue(keyCount: 2, stream: string, memoryKey: string, ...args: string[]): Promise<unknown>;
}

/** What enqueueRemembered did: appended the request, or found its id remembered. */
export type Enqueued = { appended: true; entryId: string } | { appended: false; admission: Exclude<Admission, { kind: 'run' }> };

/** A request to append to `stream` with its id recorded as running under `memoryKey`. */
export interface RememberedRequest {
  stream: string;
  memoryKey: string;
  replyTo: string;
  deadline: number;
  claimIdleMs: number;
  /** XADD's arguments after the key: trimming, `*`, the entry's fields. */
  entry: string[];
}

/** Appends `request` unless its id is remembered (see ENQUEUE); one round trip. */
export async function enqueueRemembered(redis: Redis, request: RememberedRequest): Promise<Enqueued> {
  const scripted = redis as ScriptedRedis;
  // defineCommand runs the script by its SHA (EVALSHA) and loads it again after a Redis restart.
  if (typeof scripted.streamsEnqueue !== 'function') redis.defineCommand('streamsEnqueue', { lua: ENQUEUE });
  const ttl = String(runningTtlMs(request.deadline, request.claimIdleMs));
  const reply = await scripted.streamsEnqueue(2, request.stream, request.memoryKey, ttl, JSON.stringify(request.replyTo), ...request.entry);
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`unexpected enqueue reply: ${JSON.stringify(reply)?.slice(0, 200)}`);
  const [appended, value] = reply as [unknown, unknown];
  if (appended === 1) return { appended: true, entryId: String(value) };
  const admission = admissionGiven(String(value), undefined, request.replyTo);
  if (admission.kind === 'run') throw new Error(`the memory of request ${request.memoryKey} holds a value this version cannot read; nothing was sent`);
  return { appended: false, admission };
}

/**
 * The command that forgets a request's running record, for a transaction: only while the
 * record is still this entry's, since by the time an expired entry is read its record may have
 * expired and a retry recorded a new one.
 */
export function forgetRunning(memoryKey: string, entryId: string, replyTo: string): RedisCommand {
  return ['EVAL', FORGET_RUNNING, '1', memoryKey, runningRecord(entryId, replyTo)];
}
