import type { Job } from 'bullmq';
import { z } from 'zod';

/**
 * A dead letter as the routes show it: what any queue's job has, whatever its queue. Never
 * the job's data: it may hold a secret (a reset token, an address), and Bull Board, behind the
 * same token, is where an operator reads it on purpose.
 */
export const DeadLetter = z.object({
  id: z.string(),
  name: z.string(),
  failedReason: z.string(),
  attemptsMade: z.number().int(),
  failedAt: z.string().optional(),
});
export type DeadLetter = z.output<typeof DeadLetter>;

/** `GET /admin/queues/:queue/dead-letter`: the newest dead letters and how many there are. */
export const DeadLetterList = z.object({ queue: z.string(), total: z.number().int(), jobs: z.array(DeadLetter) });
export type DeadLetterList = z.output<typeof DeadLetterList>;

/** `POST /admin/queues/:queue/dead-letter/replay`: the ids moved back to waiting, those that were not, what is left. */
export const ReplayOutcome = z.object({ replayed: z.array(z.string()), skipped: z.array(z.string()), remaining: z.number().int() });
export type ReplayOutcome = z.output<typeof ReplayOutcome>;

export function deadLetterOf(job: Job): DeadLetter {
  return {
    id: job.id!,
    name: job.name,
    failedReason: job.failedReason,
    attemptsMade: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
  };
}
