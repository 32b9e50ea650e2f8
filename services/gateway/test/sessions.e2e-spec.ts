import { Signer } from '@fastify/cookie';
import { RedisMonitor, waitFor } from '@platform/testing';
import { GatewayAlone } from './gateway-alone.js';
import { TEST_SESSION_SECRET } from './test-env.js';

/** The session lookups among the commands MONITOR showed. */
const sessionLookups = (commands: string[]) => commands.filter((command) => command.startsWith('get gateway:session:'));

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

  /** What the gateway asked Redis while `work` ran, and the answers' Set-Cookie headers. */
  const watchRedis = async (work: () => Promise<Response[]>) => {
    const probe = alone.redis.client();
    const commands: string[] = [];
    // The command name as sent (XADD or xadd), lower-cased; the arguments as they are.
    const monitor = await RedisMonitor.start(alone.redis.url, ({ args: [name = '', ...args] }) => commands.push([name.toLowerCase(), ...args].join(' ')));
    try {
      const responses = await work();
      // Redis runs commands in order: once MONITOR shows the probe's marker, it has shown what the gateway sent before its answers.
      await monitor.caughtUpWith(probe);
      return { commands, setCookies: responses.flatMap((response) => response.headers.getSetCookie()), statuses: responses.map((response) => response.status) };
    } finally {
      probe.disconnect();
      monitor.stop();
    }
  };

  it('does no session work on routes without a session: no lookup for a session cookie, no cookie set', async () => {
    const cookie = signedCookie('0123456789abcdefghijklmnopqrstuv');
    const { commands, setCookies, statuses } = await watchRedis(() =>
      Promise.all([
        fetch(`${alone.gateway.url}/test2`, { headers: { cookie } }),
        fetch(`${alone.gateway.url}/health/live`, { headers: { cookie } }),
        fetch(`${alone.gateway.url}/docs/openapi.json`, { headers: { cookie } }),
        fetch(`${alone.gateway.url}/no-such-route`, { headers: { cookie } }),
        // An unsafe route without an Idempotency-Key: its caller is not needed (401: no admin token).
        fetch(`${alone.gateway.url}/products`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' }),
      ]),
    );
    expect(statuses).toEqual([202, 200, 200, 404, 401]);
    // /test2 did reach Redis (its event), so MONITOR saw the gateway's commands.
    expect(commands.some((command) => command.startsWith('xadd '))).toBe(true);
    expect(sessionLookups(commands)).toEqual([]);
    expect(setCookies).toEqual([]);
  });

  it('loads the session on a session route, and on an unsafe route for a request with an Idempotency-Key (its caller)', async () => {
    const cookie = signedCookie('0123456789abcdefghijklmnopqrstuv');
    const { commands, statuses } = await watchRedis(() =>
      Promise.all([
        fetch(`${alone.gateway.url}/auth/me`, { headers: { cookie } }),
        fetch(`${alone.gateway.url}/products`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json', 'idempotency-key': `sessions-spec-${Date.now()}` },
          body: '{}',
        }),
      ]),
    );
    expect(statuses).toEqual([401, 401]);
    expect(sessionLookups(commands)).toHaveLength(2);
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
