import { defineQueue } from '@platform/contracts';
import { QueueProducer } from '@platform/queues';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { GatewayAlone } from './gateway-alone.js';

const ADMIN_TOKEN = 'admin-surface-token-0123456789abcdef';
const RIGHT = `Bearer ${ADMIN_TOKEN}`;
const WRONG = 'Bearer not-the-admin-token-0123456789';
const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
/** The gateway's default: wrong admin tokens a client address may present per window. */
const MAX_FAILURES = 10;

const Reports = defineQueue('reports', {
  jobs: { render: z.object({ reportId: z.string() }) },
  policy: { attempts: 1, backoffDelayMs: 10, backoffJitter: 0, keepCompleted: { age: 3_600, count: 100 }, keepFailed: { age: 3_600, count: 100 } },
});

/** A path of Bull Board's API. */
const api = (path: string) => `/admin/queues/api/queues${path}`;

let addressSeq = 0;
/** A client address no other test used (the gateway trusts X-Forwarded-For from loopback). */
const nextAddress = () => `198.51.100.${++addressSeq}`;

/**
 * The admin surface as a browser or an attacker meets it, the gateway alone and a real Redis:
 * framing forbidden on every /admin answer, Bull Board's API answering 4xx (never 500) to bad
 * input, and wrong admin tokens limited per client address across replicas.
 */
describe('the admin surface (/admin/*, Bull Board)', () => {
  const alone = new GatewayAlone({ ADMIN_TOKEN, TRUST_PROXY: 'loopback' });
  let connection: Redis;
  let producer: QueueProducer<typeof Reports>;

  beforeAll(async () => {
    await alone.start();
    connection = new Redis(alone.redis.url, { maxRetriesPerRequest: null });
    producer = new QueueProducer(Reports, connection);
    await producer.add('render', { reportId: 'r-1' }, { jobId: 'waiting-1' });
  }, 90_000);

  afterAll(async () => {
    await producer?.onApplicationShutdown();
    connection?.disconnect();
    await alone.stop();
  });

  /** A BullMQ handle of the queue, to see what the board's answers changed. */
  const queue = () => new Queue(Reports.name, { connection });

  /** `from`: the X-Forwarded-For the proxy (loopback) sends; null: none, the socket's address counts. */
  async function call(path: string, { method = 'GET', authorization, from = nextAddress(), body }: { method?: string; authorization?: string; from?: string | null; body?: unknown } = {}) {
    const headers: Record<string, string> = {};
    if (from !== null) headers['x-forwarded-for'] = from;
    if (authorization) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${alone.gateway.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // HTML or empty
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  describe('framing', () => {
    it.each([
      ['Bull Board, logged in', '/admin/queues', RIGHT],
      ['Bull Board, asking for credentials', '/admin/queues', undefined],
      ["Bull Board's API", '/admin/queues/api/queues', RIGHT],
      ['the live config', '/admin/config', RIGHT],
      ['the live config, refused', '/admin/config', undefined],
      ['an admin path that does not exist', '/admin/nothing-here', RIGHT],
    ])('forbids framing %s (X-Frame-Options and CSP frame-ancestors)', async (_what, path, authorization) => {
      const { headers } = await call(path, { authorization });
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    });

    it('leaves the public API alone', async () => {
      const { headers } = await call('/docs/openapi.json');
      expect(headers.get('x-frame-options')).toBeNull();
    });
  });

  describe("Bull Board's API answers bad input with 4xx and changes nothing", () => {
    it('409 for promoting a job that is not delayed', async () => {
      const answer = await call(api('/reports/waiting-1/promote'), { method: 'PUT', authorization: RIGHT });
      expect(answer.status).toBe(409);
      expect(answer.body.message).toMatch(/not in the delayed state/);
      const reports = queue();
      expect(await reports.getJobState('waiting-1')).toBe('waiting');
      await reports.close();
    });

    it.each([
      ['a job id with ":"', { jobId: 'a:b' }, /cannot contain :/],
      ['a job id that is an integer', { jobId: '12' }, /cannot be integers/],
      ['a job id "0"', { jobId: '0' }, /cannot be '0'/],
      ['a fractional priority', { priority: 1.5 }, /should not be float/],
      ['a delay that is no number', { delay: 'soon' }, /delay must be a whole number/],
      ['a negative number of attempts', { attempts: -1 }, /attempts must be a whole number/],
    ])('400 for adding a job with %s', async (_what, options, message) => {
      const reports = queue();
      const before = await reports.getJobCounts();
      const answer = await call(api('/reports/add'), { method: 'POST', authorization: RIGHT, body: { name: 'render', data: { reportId: 'x' }, options } });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(message);
      expect(await reports.getJobCounts()).toEqual(before);
      await reports.close();
    });

    it('404 for a queue or a job that does not exist', async () => {
      expect((await call(api('/nope/waiting-1/promote'), { method: 'PUT', authorization: RIGHT })).status).toBe(404);
      expect((await call(api('/reports/a:b/promote'), { method: 'PUT', authorization: RIGHT })).status).toBe(404);
      expect(await connection.keys('bull:nope:*')).toEqual([]);
    });
  });

  describe('wrong admin tokens, per client address', () => {
    it(`answers 429 with Retry-After after ${MAX_FAILURES} wrong tokens, even to the right one, from that address only`, async () => {
      const attacker = nextAddress();
      for (let i = 0; i < MAX_FAILURES; i++) expect((await call('/admin/config', { authorization: WRONG, from: attacker })).status).toBe(401);
      const refused = await call('/admin/config', { authorization: RIGHT, from: attacker });
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // Bull Board, a browser's Basic credentials: the same budget.
      const board = await call('/admin/queues', { authorization: basic(ADMIN_TOKEN), from: attacker });
      expect(board.status).toBe(429);
      expect(board.headers.get('retry-after')).not.toBeNull();
      // Another client is not locked out.
      expect((await call('/admin/config', { authorization: RIGHT })).status).toBe(200);
    });

    it('counts every route behind the admin token and Bull Board together, and holds across parallel guesses', async () => {
      const attacker = nextAddress();
      const guesses = await Promise.all(
        Array.from({ length: 2 * MAX_FAILURES }, (_, i) =>
          i % 2 === 0 ? call('/admin/queues/api/queues', { authorization: basic(`guess-${i}`), from: attacker }) : call('/admin/config', { authorization: WRONG, from: attacker }),
        ),
      );
      const statuses = guesses.map(({ status }) => status);
      expect(statuses.filter((status) => status === 401)).toHaveLength(MAX_FAILURES);
      expect(statuses.filter((status) => status === 429)).toHaveLength(MAX_FAILURES);
    });

    it('charges no right token, and no request without one', async () => {
      const admin = nextAddress();
      for (let i = 0; i < 2 * MAX_FAILURES; i++) expect((await call('/admin/config', { authorization: RIGHT, from: admin })).status).toBe(200);
      for (let i = 0; i < 2 * MAX_FAILURES; i++) expect((await call('/admin/queues', { from: admin })).status).toBe(401);
      expect((await call('/admin/config', { authorization: WRONG, from: admin })).status).toBe(401);
      expect((await call('/admin/config', { authorization: RIGHT, from: admin })).status).toBe(200);
    });

    it.each([
      ['with a port', '203.0.113.7', '203.0.113.7:51234'],
      ['in brackets', '2001:db8:7::7', '[2001:db8:7::7]'],
      ['in brackets with a port', '2001:db8:8::8', '[2001:db8:8::8]:443'],
      ['IPv4-mapped', '203.0.113.9', '::ffff:203.0.113.9'],
      // (An IPv6 client counts by its /64: each form here has a /64 of its own.)
    ])('takes a forwarded address %s as the address itself', async (_form, plain, written) => {
      for (let i = 0; i < MAX_FAILURES; i++) {
        expect((await call('/admin/config', { authorization: WRONG, from: i % 2 === 0 ? plain : written })).status).toBe(401);
      }
      expect((await call('/admin/config', { authorization: RIGHT, from: written })).status).toBe(429);
      expect((await call('/admin/config', { authorization: RIGHT, from: plain })).status).toBe(429);
    });

    // Last: it blocks the proxy's own address (loopback) for the rest of the window.
    it('takes "unknown" or garbage as the nearest trusted hop: the proxy, here the socket', async () => {
      for (let i = 0; i < MAX_FAILURES; i++) {
        expect((await call('/admin/config', { authorization: WRONG, from: i % 2 === 0 ? 'unknown' : 'not an address' })).status).toBe(401);
      }
      expect((await call('/admin/config', { authorization: RIGHT, from: null })).status).toBe(429);
    });
  });
});
