import { Redis } from 'ioredis';
import { GatewayAlone } from './gateway-alone.js';

const CREDENTIALS = JSON.stringify({ email: 'ada@example.com', password: 'correct horse battery staple' });

/**
 * COOKIE_SECURE=true behind a TLS-terminating proxy (trusted: loopback), the gateway alone and
 * a real Redis: a login that reached the gateway over plain HTTP cannot get its Secure cookie
 * set, so it is refused before anything happens, and no session is written.
 */
describe('a login whose Secure cookie cannot be set (COOKIE_SECURE=true over plain HTTP)', () => {
  // No accounts behind it: a login that gets past the check waits for accounts, briefly.
  const alone = new GatewayAlone({ COOKIE_SECURE: 'true', TRUST_PROXY: 'loopback', RPC_TIMEOUT_MS: '300' });
  let redis: Redis;

  beforeAll(async () => {
    await alone.start();
    redis = new Redis(alone.redis.url);
  }, 90_000);

  afterAll(async () => {
    redis?.disconnect();
    await alone.stop();
  });

  const login = (headers: Record<string, string> = {}) =>
    fetch(`${alone.gateway.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: CREDENTIALS });

  it('answers 403 saying the connection is not HTTPS, sets no cookie and writes no session', async () => {
    const plainHttp: Array<Record<string, string>> = [{}, { 'x-forwarded-proto': 'http' }, { 'x-forwarded-for': '203.0.113.7' }];
    for (const headers of plainHttp) {
      const response = await login(headers);
      expect({ headers, status: response.status }).toEqual({ headers, status: 403 });
      expect(await response.json()).toMatchObject({ statusCode: 403, message: expect.stringMatching(/not HTTPS/) });
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect(await redis.keys('gateway:session:*')).toEqual([]);
  });

  it('lets a login forwarded as HTTPS through to accounts', async () => {
    const response = await login({ 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' });
    // Nobody answers for accounts here: what matters is that the gateway asked.
    expect([503, 504]).toContain(response.status);
  });
});
