import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { defineQueue, type JobPolicy } from '@platform/contracts';
import { startTelemetry, type Telemetry } from '@platform/telemetry';
import { RedisServer } from '@platform/testing';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { indexedQueueNames, InvalidJobError, QUEUE_INDEX_KEY, QueueInspector, QueueProducer } from '../src/index.js';

// A policy and a queue of this test's own: the platform's packages never import the example's.
const POLICY: JobPolicy = Object.freeze({
  attempts: 5,
  backoffDelayMs: 2_000,
  backoffJitter: 0.5,
  keepCompleted: Object.freeze({ age: 3_600, count: 100 }),
  keepFailed: Object.freeze({ age: 86_400, count: 1_000 }),
});

const Greetings = defineQueue('spec-greetings', {
  jobs: { greet: z.object({ to: z.email(), times: z.number().int().positive().default(1) }).strict() },
  policy: { ...POLICY, attempts: 3, backoffDelayMs: 500 },
});

describe('QueueProducer and QueueInspector on a real Redis', () => {
  let server: RedisServer;
  let redis: Redis;
  let telemetry: Telemetry;
  const spans = new InMemorySpanExporter();
  let producer: QueueProducer<typeof Greetings>;
  let inspector: QueueInspector;

  beforeAll(async () => {
    // The SDK for real in this process: the producer's PRODUCER span and its context in the job.
    telemetry = await startTelemetry({ serviceName: 'queues-spec', spanProcessors: [new SimpleSpanProcessor(spans)] });
    server = await RedisServer.start();
    redis = server.client();
    producer = new QueueProducer(Greetings, redis);
    inspector = new QueueInspector(Greetings, redis);
  });

  afterAll(async () => {
    await producer?.onApplicationShutdown();
    await inspector?.onApplicationShutdown();
    redis?.disconnect();
    await server?.destroy();
    await telemetry?.shutdown();
  });

  it('adds a job with the schema applied and the options of the queue contract', async () => {
    await producer.add('greet', { to: 'ana@example.com' }, { jobId: 'greet-1' });
    const job = (await inspector.job('greet-1'))!;
    expect(job.data).toEqual({ to: 'ana@example.com', times: 1 });
    expect(job.opts).toMatchObject({
      attempts: 3,
      backoff: { type: 'exponential', delay: 500, jitter: POLICY.backoffJitter },
      removeOnComplete: POLICY.keepCompleted,
      removeOnFail: POLICY.keepFailed,
    });
    // The same id again is the same job.
    await producer.add('greet', { to: 'ana@example.com', times: 2 }, { jobId: 'greet-1' });
    expect((await inspector.job('greet-1'))!.data.times).toBe(1);
    expect(await inspector.counts(['waiting'])).toEqual({ waiting: 1 });
  });

  it('puts the queue in the platform\'s queue index before its first job, so readers find it without a list', async () => {
    expect(await indexedQueueNames(redis)).toEqual(['spec-greetings']);
    expect(JSON.parse((await redis.hget(QUEUE_INDEX_KEY, 'spec-greetings'))!)).toEqual({ jobs: ['greet'] });
  });

  it('lets a service override attempts and backoff, and delete a job carrying a secret once done', async () => {
    const overridden = new QueueProducer(Greetings, redis, { retry: { attempts: 9, backoffDelayMs: 50 } });
    try {
      await overridden.add('greet', { to: 'bo@example.com' }, { jobId: 'greet-secret', deleteOnComplete: true });
      expect((await inspector.job('greet-secret'))!.opts).toMatchObject({ attempts: 9, backoff: { delay: 50 }, removeOnComplete: true });
    } finally {
      await overridden.onApplicationShutdown();
    }
  });

  it('refuses a job its contract does not allow, naming each problem, and adds nothing (not even an index entry)', async () => {
    const Other = defineQueue('spec-other', { jobs: { greet: Greetings.jobs.greet }, policy: POLICY });
    const other = new QueueProducer(Other, redis);
    await expect(other.add('greet', { to: 'not an address' })).rejects.toThrow(InvalidJobError);
    await other.onApplicationShutdown();
    expect(await indexedQueueNames(redis)).not.toContain('spec-other');
    const before = await inspector.counts(['waiting']);
    await expect(producer.add('greet', { to: 'not-an-address', extra: 1 } as never)).rejects.toThrow(InvalidJobError);
    await expect(producer.add('greet', { to: 'not-an-address', times: 0 })).rejects.toThrow(/^invalid spec-greetings.greet job: to: .*; times: /);
    await expect(producer.add('wave' as never, {} as never)).rejects.toThrow('the spec-greetings queue has no job named "wave"');
    expect(await inspector.counts(['waiting'])).toEqual(before);
  });

  it('carries the trace context of the code that adds the job into the job', async () => {
    const tracer = trace.getTracer('queues-spec');
    const parent = tracer.startSpan('handle request', { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(context.active(), parent), () =>
      producer.addBulk([
        { name: 'greet', data: { to: 'cy@example.com' }, options: { jobId: 'greet-traced-1' } },
        { name: 'greet', data: { to: 'di@example.com' }, options: { jobId: 'greet-traced-2' } },
      ]),
    );
    parent.end();
    const traceId = parent.spanContext().traceId;
    const produced = spans.getFinishedSpans().find((span) => span.kind === SpanKind.PRODUCER && span.spanContext().traceId === traceId);
    expect(produced?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    for (const id of ['greet-traced-1', 'greet-traced-2']) {
      const metadata = (await inspector.job(id))!.opts.telemetry?.metadata;
      // W3C trace context of the producer's span, which the worker's CONSUMER span continues.
      expect(JSON.parse(metadata!)).toMatchObject({ traceparent: expect.stringContaining(traceId) });
    }
  });

  it('reads the dead letters a worker left', async () => {
    const Failing = defineQueue('spec-failing', { jobs: { fail: z.object({}) }, policy: { ...POLICY, attempts: 1 } });
    const failing = new QueueProducer(Failing, redis);
    const failingInspector = new QueueInspector(Failing, redis);
    const worker = new Worker(Failing.name, async () => {
      throw new Error('relay refused');
    }, { connection: { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null } });
    const failed = new Promise<void>((resolve) => worker.on('failed', () => resolve()));
    try {
      await failing.add('fail', {}, { jobId: 'dead-1' });
      await failed;
      expect(await failingInspector.failedCount()).toBe(1);
      const [dead] = await failingInspector.failed(0, 9);
      expect(dead).toMatchObject({ id: 'dead-1', failedReason: 'relay refused' });
      expect(await failingInspector.counts(['failed', 'waiting'])).toEqual({ failed: 1, waiting: 0 });
      expect(await failingInspector.job('no-such-job')).toBeUndefined();
    } finally {
      await worker.close();
      await failing.onApplicationShutdown();
      await failingInspector.onApplicationShutdown();
    }
  });
});
