import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { FastifyAdapter } from '@bull-board/fastify';
import { ErrorCode, Job, type JobsOptions, type Queue } from 'bullmq';

/** A new job's option BullMQ refuses, found before anything is written: the client's input. */
export class InvalidJobOptionsError extends Error {
  readonly statusCode = 400;
}

/** BullMQ's own checks of a new job's options, run on a job that is never added. */
class JobOptionsCheck extends Job {
  static run(queue: Queue, name: string, data: unknown, options: JobsOptions | undefined): void {
    const jobId = options?.jobId;
    // BullMQ stores these as given: a delay of "soon" made a job no worker would ever run right.
    for (const key of ['delay', 'attempts'] as const) {
      const value: unknown = options?.[key];
      if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
        throw new InvalidJobOptionsError(`${key} must be a whole number of ${key === 'delay' ? 'milliseconds' : 'attempts'}, at least 0`);
      }
    }
    // Queue.add's own check, made before it builds the job.
    if (jobId === '0' || jobId?.startsWith('0:')) throw new InvalidJobOptionsError("JobId cannot be '0' or start with '0:'");
    const job = new JobOptionsCheck(queue, name, data, options, jobId);
    try {
      job.validateOptions(job.asJSON());
    } catch (error) {
      throw new InvalidJobOptionsError((error as Error).message);
    }
  }
}

type AddJobArguments = Parameters<BullMQAdapter['addJob']>;

/**
 * Bull Board's adapter of one queue, with a job's options checked before it is added: BullMQ
 * refuses a custom id with ":" or one that is an integer, a fractional priority, and so on,
 * with a plain Error that Bull Board answered as a 500, and takes a delay that is no number.
 * Here they are a 400 (see boardErrorResponse), and nothing is written.
 */
export class BoardQueueAdapter extends BullMQAdapter {
  constructor(
    private readonly bullQueue: Queue,
    options: ConstructorParameters<typeof BullMQAdapter>[1],
  ) {
    super(bullQueue, options);
  }

  override addJob(...[name, data, options]: AddJobArguments): ReturnType<BullMQAdapter['addJob']> {
    JobOptionsCheck.run(this.bullQueue, name, data, options as JobsOptions | undefined);
    return super.addJob(name, data, options);
  }
}

/** BullMQ's errors about a job that does not exist; its other coded errors are about a job's state. */
const MISSING = new Set<number>([ErrorCode.JobNotExist, ErrorCode.ParentJobNotExist]);

/**
 * The status of an error thrown inside Bull Board (its routes, or our hooks around them): a
 * client's 4xx as is (Fastify's bad JSON, InvalidJobOptionsError, a Nest HttpException); a
 * BullMQ error with one of its codes (ErrorCode: the job is missing, or not in the state the
 * action needs, e.g. promoting a job that is not delayed) 404 or 409; a SyntaxError (a
 * JSON.parse of the client's input inside a handler) 400; anything else 500.
 */
export function boardErrorStatus(error: unknown): number {
  const { statusCode, code, getStatus } = error as { statusCode?: unknown; code?: unknown; getStatus?: unknown };
  if (typeof getStatus === 'function') return (error as { getStatus(): number }).getStatus();
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return statusCode;
  if (typeof code === 'number' && ErrorCode[code] !== undefined) return MISSING.has(code) ? 404 : 409;
  if (error instanceof SyntaxError) return 400;
  return 500;
}

type BoardErrorAnswer = ReturnType<Parameters<FastifyAdapter['setErrorHandler']>[0]>;

/**
 * Bull Board's error handler, replaced so BullMQ's refusals are 4xx. Same body as Bull Board's
 * own (`{error, message}`: the UI shows both); a translation key the UI knows where one fits.
 */
export function boardErrorResponse(error: Error): BoardErrorAnswer {
  const status = boardErrorStatus(error);
  const headline: Record<number, string | { key: string }> = {
    400: 'Bad request',
    404: { key: 'ERRORS.JOB_NOT_FOUND' },
    409: 'The job is not in a state that allows this',
    500: { key: 'ERRORS.INTERNAL_SERVER_ERROR' },
  };
  // Bull Board types the status as the few its own handlers answer; a client's 413 or 415 passes as is.
  return { status: status as BoardErrorAnswer['status'], body: { error: headline[status] ?? `Error ${status}`, message: error.message } };
}
