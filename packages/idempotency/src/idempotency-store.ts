import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** An answer as sent, to send again: status, the headers a replay repeats, the body's bytes. */
export const StoredAnswer = z.object({
  status: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  /** The body is bytes, kept as base64 (a JSON or text body is kept as it is). */
  base64: z.boolean().optional(),
});
export type StoredAnswer = z.output<typeof StoredAnswer>;

/**
 * What one key holds: while its first request runs, that request's claim (the fingerprint
 * and a token only the claiming request knows), with a short lease; then the answer, with
 * the fingerprint, for the retention time.
 */
const KeyRecord = z.discriminatedUnion('state', [
  z.object({ state: z.literal('in-flight'), fingerprint: z.string(), claim: z.string() }),
  z.object({ state: z.literal('done'), fingerprint: z.string(), answer: StoredAnswer }),
]);

/** A request's hold on a key: the record it wrote, which only it can extend, fill or drop. */
export interface Claim {
  readonly key: string;
  readonly fingerprint: string;
  readonly record: string;
}

export type ClaimOutcome =
  | { outcome: 'claimed'; claim: Claim }
  | { outcome: 'in-flight'; fingerprint: string; leaseLeftMs: number }
  | { outcome: 'done'; fingerprint: string; answer: StoredAnswer };

// Each script is one atomic step in Redis, so two replicas racing for one key cannot both
// win, and a request whose lease ran out (another request holds the key now) cannot extend,
// overwrite or delete the newer claim: every write compares the whole record first.

/** Claims the key, or returns what it holds and for how long (PTTL, ms). */
const CLAIM = `
local held = redis.call('GET', KEYS[1])
if held then return {held, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;
/** Extends the lease while the claim is still the key's. */
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`;
/** Replaces the claim with the answer, kept for ARGV[3] seconds. */
const COMPLETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;
/** Frees the key for a retry. */
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

type ScriptedRedis = Redis & {
  idempotencyClaim(key: string, record: string, leaseMs: number): Promise<[string, number] | null>;
  idempotencyRenew(key: string, record: string, leaseMs: number): Promise<number>;
  idempotencyComplete(key: string, record: string, answer: string, ttlSeconds: number): Promise<number>;
  idempotencyRelease(key: string, record: string): Promise<number>;
};

/**
 * The idempotency records in Redis, one string per key: every operation is one script, so
 * one round trip (see the package README for what a request costs).
 */
export class IdempotencyStore {
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis) {
    // defineCommand runs each script by its SHA (EVALSHA) and loads it again after a restart.
    redis.defineCommand('idempotencyClaim', { numberOfKeys: 1, lua: CLAIM });
    redis.defineCommand('idempotencyRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('idempotencyComplete', { numberOfKeys: 1, lua: COMPLETE });
    redis.defineCommand('idempotencyRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as ScriptedRedis;
  }

  /** Claims `key` for a request with `fingerprint` for `leaseMs`, unless the key is taken. */
  async claim(key: string, fingerprint: string, leaseMs: number): Promise<ClaimOutcome> {
    const record = JSON.stringify({ state: 'in-flight', fingerprint, claim: randomUUID() });
    const held = await this.redis.idempotencyClaim(key, record, leaseMs);
    if (held === null) return { outcome: 'claimed', claim: { key, fingerprint, record } };
    const [json, pttl] = held;
    const existing = KeyRecord.parse(JSON.parse(json));
    return existing.state === 'in-flight'
      ? { outcome: 'in-flight', fingerprint: existing.fingerprint, leaseLeftMs: Math.max(0, pttl) }
      : { outcome: 'done', fingerprint: existing.fingerprint, answer: existing.answer };
  }

  /** Extends the claim's lease; false when the claim was lost (the lease had run out). */
  async renew(claim: Claim, leaseMs: number): Promise<boolean> {
    return (await this.redis.idempotencyRenew(claim.key, claim.record, leaseMs)) === 1;
  }

  /** Stores the answer in place of the claim; false when the claim was lost. */
  async complete(claim: Claim, answer: StoredAnswer, ttlSeconds: number): Promise<boolean> {
    const done = JSON.stringify({ state: 'done', fingerprint: claim.fingerprint, answer });
    return (await this.redis.idempotencyComplete(claim.key, claim.record, done, ttlSeconds)) === 1;
  }

  /** Deletes the claim, so the next request with the key runs; false when it was lost. */
  async release(claim: Claim): Promise<boolean> {
    return (await this.redis.idempotencyRelease(claim.key, claim.record)) === 1;
  }
}
