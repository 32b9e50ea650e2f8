import type { z } from 'zod';
import { sensitiveFields } from './sensitive.js';

/**
 * A service's name as the registry knows it (the folder under services/, see @platform/registry):
 * a plain string, so a new service needs no edit here.
 */
export type ServiceName = string;

/** A request/response message: who answers it, its pattern, and the shapes both ways. */
export interface RpcContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly service: ServiceName;
  readonly pattern: string;
  readonly request: Req;
  readonly response: Res;
  /** The request's fields marked `.meta({ sensitive: true })`, as paths (see sensitiveFields). */
  readonly sensitive: readonly string[];
  /**
   * The handler changes nothing (a lookup): a repeat of the request may simply run again, so
   * the transport does not remember its request ids (one Redis command less per request).
   */
  readonly readOnly: boolean;
}

/** A domain event: its name (the channel or stream it travels on) and its payload shape. */
export interface EventContract<Payload extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly payload: Payload;
  /** The payload's fields marked `.meta({ sensitive: true })`, as paths (see sensitiveFields). */
  readonly sensitive: readonly string[];
}

/**
 * Declares a request/response message; the pattern is `<service>.<name>`, so it is unique.
 * Its `sensitive` fields are found in the request schema, where `.meta({ sensitive: true })`
 * marks them.
 */
export function defineRpc<Req extends z.ZodType, Res extends z.ZodType>(
  service: ServiceName,
  name: string,
  shapes: { request: Req; response: Res; readOnly?: boolean },
): RpcContract<Req, Res> {
  const sensitive = Object.freeze(sensitiveFields(shapes.request));
  return Object.freeze({
    service,
    pattern: `${service}.${name}`,
    request: shapes.request,
    response: shapes.response,
    sensitive,
    readOnly: shapes.readOnly === true,
  });
}

/** Declares a domain event; its `sensitive` fields are those its payload schema marks. */
export function defineEvent<Payload extends z.ZodType>(name: string, payload: Payload): EventContract<Payload> {
  return Object.freeze({ name, payload, sensitive: Object.freeze(sensitiveFields(payload)) });
}

/** How a queue's jobs are retried and kept: BullMQ job options as plain data (no bullmq here). */
export interface JobPolicy {
  readonly attempts: number;
  /** The first retry's delay; each next one doubles it (exponential backoff). */
  readonly backoffDelayMs: number;
  /** Up to this fraction of each delay is random, so failing jobs do not retry in lockstep. */
  readonly backoffJitter: number;
  /** Completed jobs kept at most this many seconds and this many jobs. */
  readonly keepCompleted: Readonly<{ age: number; count: number }>;
  /** Failed jobs (the dead letters) kept at most this many seconds and this many jobs. */
  readonly keepFailed: Readonly<{ age: number; count: number }>;
}

/**
 * A BullMQ queue: its name (persisted in Redis keys: rename only with a migration), each job
 * name with its payload schema, and the policy every job is added with, whoever adds it.
 */
export interface QueueContract<Jobs extends Record<string, z.ZodType> = Record<string, z.ZodType>> {
  readonly name: string;
  readonly jobs: Readonly<Jobs>;
  readonly policy: JobPolicy;
}

/** Declares a queue. */
export function defineQueue<Jobs extends Record<string, z.ZodType>>(name: string, { jobs, policy }: { jobs: Jobs; policy: JobPolicy }): QueueContract<Jobs> {
  return Object.freeze({ name, jobs: Object.freeze({ ...jobs }), policy: Object.freeze({ ...policy }) });
}

/** The options BullMQ adds a job with under `policy` (structurally BullMQ's JobsOptions). */
export interface PolicyJobOptions {
  jobId?: string;
  attempts: number;
  backoff: { type: 'exponential'; delay: number; jitter: number };
  removeOnComplete: boolean | { age: number; count: number };
  removeOnFail: { age: number; count: number };
}

/** BullMQ options for adding one job under `policy`, with `overrides` of attempts and backoff (tests). */
export function jobOptions(
  policy: JobPolicy,
  jobId: string | undefined,
  { attempts = policy.attempts, backoffDelayMs = policy.backoffDelayMs }: { attempts?: number; backoffDelayMs?: number } = {},
): PolicyJobOptions {
  return {
    ...(jobId === undefined ? {} : { jobId }),
    attempts,
    backoff: { type: 'exponential', delay: backoffDelayMs, jitter: policy.backoffJitter },
    removeOnComplete: { ...policy.keepCompleted },
    removeOnFail: { ...policy.keepFailed },
  };
}

export type JobName<Q extends QueueContract> = keyof Q['jobs'] & string;
/** What a producer passes for job `N` (schema input: defaults may be left out). */
export type JobData<Q extends QueueContract, N extends JobName<Q>> = z.input<Q['jobs'][N]>;

export type RpcRequest<C extends RpcContract> = z.input<C['request']>;
export type RpcResponse<C extends RpcContract> = z.output<C['response']>;
export type EventPayload<C extends EventContract> = z.output<C['payload']>;
