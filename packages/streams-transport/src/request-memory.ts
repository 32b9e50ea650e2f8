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
    const running: Remembered = { state: 'running', entry: entryId, replyTo: request.replyTo };
    const ttl = leftMs(request.deadline) + this.claimIdleMs;
    const previous = await this.redis.call('SET', this.keys.handled(pattern, request.id), JSON.stringify(running), 'PX', String(ttl), 'NX', 'GET');
    if (previous === null) return { kind: 'run' };
    const remembered = parse(previous);
    if (!remembered) return { kind: 'run' };
    if (remembered.state === 'done') return { kind: 'replay', replies: remembered.replies };
    // The same entry again: the replica that held it stopped heartbeating (it died), so
    // another took it over; its replies never went out.
    if (remembered.entry === entryId) return { kind: 'run' };
    return remembered.replyTo === request.replyTo ? { kind: 'duplicate' } : { kind: 'in-progress' };
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
