import type { QueueContract } from '@platform/contracts';
import { describeIssues } from '@platform/validation';
import { UnrecoverableError } from 'bullmq';
import type { z } from 'zod';

/** What a worker needs of a BullMQ job to check it (structural: a `Job` fits). */
export interface JobToParse {
  readonly name: string;
  readonly data: unknown;
}

/** A job of `Q` after its check: its name, and its data as the job's schema outputs it. */
export type ParsedJob<Q extends QueueContract> = {
  [N in keyof Q['jobs'] & string]: { name: N; data: z.output<Q['jobs'][N]> };
}[keyof Q['jobs'] & string];

/**
 * Checks a job a worker took against its queue's contract: the job name must be one of the
 * contract's, the data must match that job's schema. Anything else throws BullMQ's
 * UnrecoverableError, so the job goes to the dead letters at once: the same data would fail
 * every retry (it is a producer's bug, or a job added around QueueProducer).
 */
export function parseJob<Q extends QueueContract>(contract: Q, job: JobToParse): ParsedJob<Q> {
  const schema = contract.jobs[job.name];
  if (!schema) throw new UnrecoverableError(`the ${contract.name} queue has no job named "${job.name}"`);
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid ${contract.name}.${job.name} job: ${describeIssues(parsed.error)}`);
  return { name: job.name, data: parsed.data } as ParsedJob<Q>;
}
