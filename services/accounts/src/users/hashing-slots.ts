import { availableParallelism } from 'node:os';
import { WorkLimit } from '@platform/deadlines';

/** How long one scrypt hash takes here (SCRYPT_PARAMS on one core of a small server), with room. */
export const HASH_RESERVE_MS = 400;

/**
 * The password hashes this replica runs at once. A hash is about 0.25 s of CPU: without a
 * bound, 200 registrations at once all start, each gets a sliver of the cores, and every one
 * finishes after its caller gave up (the overload that made 504s whose accounts existed).
 * With it, `concurrency` hash at full speed, a few more wait at most `maxWaitMs`, and the
 * rest are refused at once (503 with Retry-After at the gateway) before anything is done.
 * An operation holds its slot from its first step (the login attempt charged, the reset token
 * read) to its last write, so a refusal always means nothing happened; and it is not started
 * with less than HASH_RESERVE_MS of its caller's deadline left.
 */
export class HashingSlots extends WorkLimit {
  constructor(options: { concurrency?: number; maxWaitMs: number }) {
    super({
      concurrency: options.concurrency ?? availableParallelism(),
      maxWaitMs: options.maxWaitMs,
      reserveMs: HASH_RESERVE_MS,
      retryAfterSeconds: 1,
    });
  }
}
