import { defineQueue } from '@platform/contracts';
import { QUEUE_INDEX_KEY, QueueProducer } from '@platform/queues';
import { waitFor } from '@platform/testing';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { GatewayAlone } from './gateway-alone.js';

const ADMIN_TOKEN = 'queue-admin-token-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** What a job of the queue carries that no admin route may echo. */
const SECRET = 'sk-live-do-not-echo-0123456789';

/**
 * A queue of a service the gateway has never heard of: no contract of the gateway names it,
 * and it exists only once its producer adds a job, after the gateway has booted.
 */
const Reports = defineQueue('reports', {
  jobs: { render: z.object({ reportId: z.string(), apiKey: z.string() }) },
  policy: { attempts: 3, backoffDelayMs: 10, backoffJitter: 0, keepCompleted: { age: 3_600, count: 100 }, keepFailed: { age: 3_600, count: 100 } },
});

/**
 * Queue administration over the platform's queue index: the dead-letter routes and Bull Board
 * cover whichever queues producers have indexed, the gateway alone and a real Redis.
 */
describe('queue administration of every indexed queue (GET /admin/queues/:queue/dead-letter, Bull Board)', () => {
  const alone = new GatewayAlone({ ADMIN_TOKEN });
  let connection: Redis;
  let producer: QueueProducer<typeof Reports> | undefined;

  beforeAll(async () => {
    await alone.start();
    connection = new Redis(alone.redis.url, { maxRetriesPerRequest: null });
  }, 90_000);

  afterAll(async () => {
    await producer?.onApplicationShutdown();
    connection?.disconnect();
    await alone.stop();
  });

  async function request(path: string, init: RequestInit = {}) {
    const response = await fetch(`${alone.gateway.url}${path}`, init);
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
  }

  const boardQueues = async (): Promise<Array<{ name: string; counts: Record<string, number> }>> => {
    const { status, body } = await request('/admin/queues/api/queues', { headers: ADMIN });
    expect(status).toBe(200);
    return body.queues;
  };

  /** The job's one attempt fails for good, as a worker of the reports service would fail it. */
  async function failPermanently(jobId: string): Promise<void> {
    const workerConnection = new Redis(alone.redis.url, { maxRetriesPerRequest: null });
    const worker = new Worker(
      Reports.name,
      async () => {
        throw new UnrecoverableError('the report template is gone');
      },
      { connection: workerConnection },
    );
    const queue = new Queue(Reports.name, { connection });
    try {
      await waitFor('the job to be dead-lettered', async () => (await queue.getJobState(jobId)) === 'failed');
    } finally {
      await Promise.all([worker.close(), queue.close()]);
      workerConnection.disconnect();
    }
  }

  it('answers 404 for a queue no producer has indexed, and creates nothing for it', async () => {
    const list = await request('/admin/queues/reports/dead-letter', { headers: ADMIN });
    expect(list.status).toBe(404);
    expect(list.body.message).toMatch(/no queue "reports" in the platform's queue index/);
    expect((await request('/admin/queues/reports/dead-letter/replay', { method: 'POST', headers: ADMIN })).status).toBe(404);
    expect((await boardQueues()).map(({ name }) => name)).not.toContain('reports');
    expect(await connection.keys('bull:reports:*')).toEqual([]);
    expect(await connection.hexists(QUEUE_INDEX_KEY, 'reports')).toBe(0);
  });

  it('keeps the routes behind the admin token and validates the queue name', async () => {
    expect((await request('/admin/queues/reports/dead-letter')).status).toBe(401);
    expect((await request('/admin/queues/reports/dead-letter/replay', { method: 'POST' })).status).toBe(401);
    for (const name of ['bad%20name', '.hidden', 'bull%3Areports%3A*', 'x'.repeat(65)]) {
      expect({ name, status: (await request(`/admin/queues/${name}/dead-letter`, { headers: ADMIN })).status }).toEqual({ name, status: 400 });
    }
    expect((await request('/admin/queues/reports/dead-letter?limit=0', { headers: ADMIN })).status).toBe(400);
  });

  it('lists, shows in Bull Board and replays the dead letters of a queue first produced to after boot', async () => {
    // Made only now: a BullMQ handle writes the queue's keys, which the first test proves absent.
    producer = new QueueProducer(Reports, connection);
    await producer.add('render', { reportId: 'r-1', apiKey: SECRET }, { jobId: 'report-r-1' });
    await failPermanently('report-r-1');

    const list = await request('/admin/queues/reports/dead-letter', { headers: ADMIN });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      queue: 'reports',
      total: 1,
      jobs: [{ id: 'report-r-1', name: 'render', failedReason: 'the report template is gone', attemptsMade: 1, failedAt: expect.any(String) }],
    });
    expect(new Date(list.body.jobs[0].failedAt).getTime()).toBeLessThanOrEqual(Date.now());
    // A job's data can hold a secret: the route never echoes it.
    expect(list.text).not.toContain(SECRET);

    // The board read the index again: no restart, no list of queues anywhere.
    const board = (await boardQueues()).find(({ name }) => name === 'reports');
    expect(board?.counts).toMatchObject({ failed: 1 });

    const replayed = await request('/admin/queues/reports/dead-letter/replay', {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ['report-r-1', 'no-such-job'] }),
    });
    expect(replayed).toMatchObject({ status: 200, body: { replayed: ['report-r-1'], skipped: ['no-such-job'], remaining: 0 } });
    const queue = new Queue(Reports.name, { connection });
    expect(await queue.getJobState('report-r-1')).toBe('waiting');
    await queue.close();
    expect((await request('/admin/queues/reports/dead-letter', { headers: ADMIN })).body).toMatchObject({ total: 0, jobs: [] });
  });

  it('stops cleanly on SIGTERM, closing the handles it opened on its Redis connection', async () => {
    expect(await alone.gateway.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
