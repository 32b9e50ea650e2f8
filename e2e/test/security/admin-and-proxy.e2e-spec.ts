import { ServiceProcess, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import type { Platform } from '../platform.js';
import { ADMIN_TOKEN, PASSWORD, registerAccount } from '../shop.js';
import { type Answer, call, nextAddress, nextEmail, startSecurityPlatform } from './support.js';

const RIGHT = `Bearer ${ADMIN_TOKEN}`;
const WRONG = 'Bearer not-the-admin-token-0123456789';
const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
/** The gateway's default `admin.tokenMaxFailures`. */
const MAX_FAILURES = 10;

/** Setup that must succeed (in hooks, where expect does not belong): throws with the answer otherwise. */
async function answered(answer: Promise<Answer>, status: number, what: string): Promise<void> {
  const { status: got, body } = await answer;
  if (got !== status) throw new Error(`${what} answered ${got}, not ${status}: ${JSON.stringify(body)}`);
}

/**
 * Issue 14, items 4 (client addresses behind a proxy), 6 (a closed admin surface) and 7 (a
 * Secure cookie only over HTTPS), against every service as a real process and a real Redis,
 * with two gateway replicas behind one (loopback) proxy.
 */
describe('security: the admin surface, and the gateway behind a proxy', () => {
  let platform: Platform;
  let gateway: string;
  /** A second replica: what one replica counts of wrong admin tokens, the other sees. */
  let replica: ServiceProcess;
  /** A replica as deployed behind a TLS-terminating proxy: COOKIE_SECURE=true. */
  let secureGateway: ServiceProcess;
  let redis: Redis;

  beforeAll(async () => {
    platform = await startSecurityPlatform();
    gateway = platform.gateway.url;
    [replica, secureGateway] = await Promise.all([
      ServiceProcess.start('gateway', { env: platform.gatewayEnv }),
      ServiceProcess.start('gateway', { env: { ...platform.gatewayEnv, COOKIE_SECURE: 'true' } }),
    ]);
    platform.services.set('gateway-2', replica);
    platform.services.set('gateway-secure', secureGateway);
    redis = platform.redis.client();
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await platform?.stop();
  });

  async function register(email: string): Promise<void> {
    await registerAccount(platform, email);
  }

  /** Bull Board (its path under /admin/queues) as the operator's browser calls it. */
  const board = (path: string, init: { method?: string; body?: unknown } = {}) =>
    call(gateway, `/admin/queues${path}`, { ...init, headers: { authorization: basic(ADMIN_TOKEN), 'x-forwarded-for': nextAddress() } });

  describe('Bull Board', () => {
    beforeAll(async () => {
      // A verification email puts the `email` queue in the platform's queue index, and so on the board.
      await register(nextEmail('board'));
      await waitFor('the email queue on the board', async () => {
        const { body } = await board('/api/queues');
        return (body.queues as Array<{ name: string }>).some(({ name }) => name === 'email') || undefined;
      });
      // Paused, a job added from the board stays waiting (the notifications worker takes none).
      await answered(board('/api/queues/email/pause', { method: 'PUT' }), 200, 'pausing the email queue');
      await answered(board('/api/queues/email/add', { method: 'POST', body: { name: 'probe', data: {}, options: { jobId: 'probe-1' } } }), 200, 'adding a probe job');
    }, 60_000);

    afterAll(async () => {
      await board('/api/queues/email/probe-1/clean', { method: 'PUT' });
      await board('/api/queues/email/resume', { method: 'PUT' });
    });

    it('forbids framing its pages, its API and its refusals', async () => {
      for (const answer of [
        await board('/'),
        await board('/api/queues'),
        await call(gateway, '/admin/queues', { headers: { 'x-forwarded-for': nextAddress() } }),
      ]) {
        expect(answer.headers.get('x-frame-options')).toBe('DENY');
        expect(answer.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
      }
    });

    it('answers bad input with 4xx, never 500, and changes nothing', async () => {
      const promoted = await board('/api/queues/email/probe-1/promote', { method: 'PUT' });
      expect({ status: promoted.status, message: promoted.body.message }).toEqual({ status: 409, message: expect.stringMatching(/not in the delayed state/) });
      for (const options of [{ jobId: 'a:b' }, { jobId: '12' }, { priority: 1.5 }]) {
        const added = await board('/api/queues/email/add', { method: 'POST', body: { name: 'probe', data: {}, options } });
        expect({ options, status: added.status }).toEqual({ options, status: 400 });
      }
      expect((await board('/api/queues/no-such-queue/probe-1/promote', { method: 'PUT' })).status).toBe(404);
      expect((await board('/api/queues/email/probe-1')).body).toMatchObject({ status: 'waiting' });
      expect(await redis.exists('bull:email:a:b', 'bull:email:12')).toBe(0);
      expect(await redis.keys('bull:no-such-queue:*')).toEqual([]);
    });
  });

  describe('wrong admin tokens', () => {
    it(`are limited per client address across replicas: ${MAX_FAILURES}, then 429 with Retry-After even for the right token`, async () => {
      const attacker = { 'x-forwarded-for': nextAddress() };
      for (let i = 0; i < MAX_FAILURES; i++) {
        const base = i % 2 === 0 ? gateway : replica.url;
        const path = i % 3 === 0 ? '/admin/queues/api/queues' : '/admin/config';
        expect((await call(base, path, { headers: { ...attacker, authorization: i % 3 === 0 ? basic(`guess ${i}`) : WRONG } })).status).toBe(401);
      }
      for (const base of [gateway, replica.url]) {
        const refused = await call(base, '/admin/config', { headers: { ...attacker, authorization: RIGHT } });
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect((await call(gateway, '/admin/queues', { headers: { ...attacker, authorization: basic(ADMIN_TOKEN) } })).status).toBe(429);
      // The operator elsewhere is not locked out, and right tokens cost nothing.
      const operator = { 'x-forwarded-for': nextAddress(), authorization: RIGHT };
      for (let i = 0; i < 2 * MAX_FAILURES; i++) expect((await call(replica.url, '/admin/config', { headers: operator })).status).toBe(200);
    });
  });

  describe('client addresses forwarded by the proxy', () => {
    it.each([
      ['with a port', '203.0.113.7:51234'],
      ['in brackets', '[2001:db8::1]'],
      ['in brackets with a port', '[2001:db8::1]:443'],
      ['IPv4-mapped', '::ffff:203.0.113.8'],
      ['with a zone', 'fe80::1%eth0'],
      ['"unknown"', 'unknown'],
      ['not an address at all', 'garbage, or worse'],
    ])('let a login %s through', async (_form, forwardedFor) => {
      const email = nextEmail('forwarded');
      await register(email);
      const login = await call(gateway, '/auth/login', { method: 'POST', headers: { 'x-forwarded-for': forwardedFor }, body: { email, password: PASSWORD } });
      expect({ forwardedFor, status: login.status }).toEqual({ forwardedFor, status: 200 });
      expect(login.headers.getSetCookie().join()).toMatch(/^sid=/);
    });
  });

  describe('COOKIE_SECURE behind a TLS-terminating proxy', () => {
    it('refuses a login that came over plain HTTP (403, not HTTPS), with no cookie and no session left in Redis', async () => {
      const email = nextEmail('plain');
      await register(email);
      const sessionsBefore = await redis.keys('gateway:session:*');
      const plain = await call(secureGateway.url, '/auth/login', { method: 'POST', headers: { 'x-forwarded-for': nextAddress() }, body: { email, password: PASSWORD } });
      expect(plain.status).toBe(403);
      expect(plain.body.message).toMatch(/not HTTPS/);
      expect(plain.headers.getSetCookie()).toEqual([]);
      expect((await redis.keys('gateway:session:*')).sort()).toEqual(sessionsBefore.sort());

      // As the Ingress forwards it: the Secure cookie is set.
      const forwarded = await call(secureGateway.url, '/auth/login', {
        method: 'POST',
        headers: { 'x-forwarded-for': nextAddress(), 'x-forwarded-proto': 'https' },
        body: { email, password: PASSWORD },
      });
      expect(forwarded.status).toBe(200);
      expect(forwarded.headers.getSetCookie().join()).toMatch(/^__Host-sid=[^;]+;.*Secure/);
    });

    it('refuses to start without a trusted proxy to tell it a request was HTTPS', async () => {
      const refused = await ServiceProcess.start('gateway', { env: { ...platform.gatewayEnv, COOKIE_SECURE: 'true', TRUST_PROXY: 'false' }, waitFor: 'nothing' });
      expect(await refused.process.exited).toMatchObject({ code: 1 });
      expect(refused.logs()).toMatch(/COOKIE_SECURE: true needs TRUST_PROXY/);
    });
  });
});
