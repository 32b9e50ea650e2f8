import { Signer } from '@fastify/cookie';
import { waitFor } from '@platform/testing';
import { GatewayAlone } from './gateway-alone.js';
import { TEST_SESSION_SECRET } from './test-env.js';

/** A correctly signed cookie for a session id that Redis has never seen. */
const signedCookie = (id: string) => `sid=${encodeURIComponent(new Signer(TEST_SESSION_SECRET).sign(id))}`;

describe('gateway sessions while Redis comes and goes (gateway and Redis only)', () => {
  const alone = new GatewayAlone();
  beforeAll(() => alone.start());
  afterAll(() => alone.stop());

  const get = async (path: string, cookie?: string) => {
    const response = await fetch(`${alone.gateway.url}${path}`, { headers: cookie ? { cookie } : {} });
    const text = await response.text();
    return { status: response.status, text };
  };

  it('treats a signed cookie of an unknown session as no session', async () => {
    expect(await get('/auth/me', signedCookie('0123456789abcdefghijklmnopqrstuv'))).toMatchObject({ status: 401 });
  });

  it('answers 503 for a session while Redis is down, keeps probes, scrapes and the API docs up, and recovers', async () => {
    const cookie = signedCookie('0123456789abcdefghijklmnopqrstuv');
    const { redis } = alone;
    await redis.kill();
    try {
      const me = await get('/auth/me', cookie);
      expect(me.status).toBe(503);
      expect(JSON.parse(me.text)).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the session store is unavailable: Redis is unreachable',
      });
      expect((await get('/health/live', cookie)).status).toBe(200);
      expect((await get('/metrics', cookie)).status).toBe(200);
      expect((await get('/docs/openapi.json', cookie)).status).toBe(200);
    } finally {
      await redis.start();
    }
    await waitFor('sessions to be served again', async () => (await get('/auth/me', cookie)).status === 401, { timeoutMs: 10_000 });
  });
});
