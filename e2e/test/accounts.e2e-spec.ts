import { createHash } from 'node:crypto';
import { configGeneration } from '@platform/live-config';
import { ServiceProcess, waitFor, scrapeMetric } from '@platform/testing';
import type { Redis } from 'ioredis';
import { type Platform, startPlatform, TEST_LIVE_CONFIG } from './platform.js';
import { outbox, registerAccount, tokenMailedTo, UNSHED_HASHING } from './shop.js';

const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
const PASSWORD = 'correct horse battery staple';

interface Answer {
  status: number;
  body: any;
  headers: Headers;
  /** The session cookie the answer set, as `name=value`, if it set one. */
  cookie: string | undefined;
}

interface Call {
  method?: string;
  body?: unknown;
  cookie?: string | undefined;
  /** Sent as X-Forwarded-For: the client address when the gateway trusts the proxy (loopback). */
  from?: string;
  admin?: boolean;
}

/** Every login answer of the whole suite, to compare with the platform counters at the end. */
const loginTally = { success: 0, failure: 0, locked: 0 };

async function call(baseUrl: string, path: string, { method = 'GET', body, cookie, from, admin }: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cookie) headers.cookie = cookie;
  if (from) headers['x-forwarded-for'] = from;
  if (admin) headers.authorization = `Bearer ${ADMIN_TOKEN}`;
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('sid='));
  const cookieValue = setCookie?.split(';')[0];
  if (path === '/auth/login') {
    const result = { 200: 'success', 401: 'failure', 429: 'locked' }[response.status] as keyof typeof loginTally | undefined;
    if (result) loginTally[result]++;
  }
  return { status: response.status, body: parsed, headers: response.headers, cookie: cookieValue && cookieValue !== 'sid=' ? cookieValue : undefined };
}

/** The Redis key of the session a `sid=<id>.<signature>` cookie names (see RedisSessionStore). */
function sessionKeyOf(cookie: string): string {
  const signed = decodeURIComponent(cookie.slice('sid='.length));
  const id = signed.slice(0, signed.lastIndexOf('.'));
  return `gateway:session:${createHash('sha256').update(id).digest('hex')}`;
}

/** The settings these tests change, with their defaults (restored after each test). */
const CHANGED_DEFAULTS = {
  'auth.loginMaxAttempts': 5,
  'auth.loginWindowSeconds': 60,
  'auth.loginIpv4MaxFailures': 100,
  'auth.loginIpv6Net64MaxFailures': 100,
  'auth.resetTokenTtlSeconds': 900,
};

let addressSeq = 0;
/** A client address no other test used: address limits stay per test. */
const nextAddress = () => `203.0.113.${++addressSeq}`;
let emailSeq = 0;
const nextEmail = (name: string) => `${name}.${++emailSeq}@example.com`;

describe('accounts, sessions, login limits, password reset and live config through the gateway', () => {
  let platform: Platform;
  let gateway: string;
  /** A second gateway replica, which trusts no proxy. */
  let gateway2: ServiceProcess;
  let accounts2: ServiceProcess;
  /** A gateway as deployed behind a TLS-terminating proxy: COOKIE_SECURE=true. */
  let secureGateway: ServiceProcess;
  let redis: Redis;

  beforeAll(async () => {
    platform = await startPlatform({
      // Both gateways are reached over loopback; the first one takes the client's address from
      // X-Forwarded-For. A generous deadline: a login hashes for real (scrypt, ~0.25 s of CPU)
      // and CI machines are small; a 504 would make the answers below meaningless.
      gatewayEnv: { ADMIN_TOKEN, TRUST_PROXY: 'loopback', DEV_ENDPOINTS: 'true', RPC_TIMEOUT_MS: '10000' },
      env: UNSHED_HASHING,
    });
    gateway = platform.gateway.url;
    [gateway2, accounts2, secureGateway] = await Promise.all([
      ServiceProcess.start('gateway', { env: { ...platform.gatewayEnv, TRUST_PROXY: 'false' } }),
      ServiceProcess.start('accounts', { env: platform.env }),
      ServiceProcess.start('gateway', { env: { ...platform.gatewayEnv, COOKIE_SECURE: 'true' } }),
    ]);
    platform.services.set('gateway-2', gateway2);
    platform.services.set('gateway-secure', secureGateway);
    platform.services.set('accounts-2', accounts2);
    redis = platform.redis.client();
  }, 90_000);

  afterEach(async () => {
    // Limits and config are shared by the tests; each starts from the defaults.
    const keys = await redis.keys('accounts:login-*');
    if (keys.length > 0) await redis.del(...keys);
    await accountsApply(await setConfig(CHANGED_DEFAULTS), 1_000);
  });

  afterAll(async () => {
    redis?.disconnect();
    await platform?.stop();
  });

  async function register(email: string, password = PASSWORD): Promise<void> {
    await registerAccount(platform, email, password);
  }

  function login(email: string, password: string, from = nextAddress(), base = gateway, cookie?: string): Promise<Answer> {
    return call(base, '/auth/login', { method: 'POST', body: { email, password }, from, cookie });
  }

  /** Writes `changes` through the admin API; answers the generation (content hash) written. */
  async function setConfig(changes: Record<string, unknown>): Promise<string> {
    const answer = await call(gateway, '/admin/config', { method: 'PUT', body: changes, admin: true });
    expect(answer.status).toBe(200);
    return answer.body.generation as string;
  }

  /** Resolves once every accounts replica runs `generation` (their live_config_generation_info). */
  async function accountsApply(generation: string, timeoutMs: number): Promise<void> {
    await waitFor(
      `both accounts replicas to apply config generation ${generation}`,
      async () => {
        const applied = await Promise.all(
          [platform.services.get('accounts'), accounts2].map((service) => scrapeMetric(service.url, 'live_config_generation_info', { generation })),
        );
        return applied.every((value) => value === 1);
      },
      { timeoutMs, intervalMs: 20 },
    );
  }

  async function requestReset(email: string): Promise<void> {
    const answer = await call(gateway, '/auth/password-reset', { method: 'POST', body: { email } });
    expect(answer.status).toBe(202);
  }

  function confirm(token: string, password: string): Promise<Answer> {
    return call(gateway, '/auth/password-reset/confirm', { method: 'POST', body: { token, password } });
  }

  describe('register, login, me, logout', () => {
    it('registers an account once its email is confirmed, answering a taken email alike, and refuses invalid input', async () => {
      const email = nextEmail('ada');
      const accepted = await call(gateway, '/auth/register', { method: 'POST', body: { email: `  ${email.toUpperCase()} `, password: PASSWORD } });
      expect(accepted).toMatchObject({ status: 202, body: { message: 'check your email to finish registering' } });
      expect(accepted.cookie).toBeUndefined();
      const token = await tokenMailedTo(platform, email, 'verify-email');
      expect((await login(email, PASSWORD)).status).toBe(401);
      const created = await call(gateway, '/auth/register/confirm', { method: 'POST', body: { token } });
      expect(created).toMatchObject({ status: 201, body: { id: expect.any(String), email } });
      expect((await call(gateway, '/auth/register/confirm', { method: 'POST', body: { token: 'A'.repeat(43) } })).status).toBe(400);

      const taken = await call(gateway, '/auth/register', { method: 'POST', body: { email, password: 'another password' } });
      expect({ status: taken.status, body: taken.body }).toEqual({ status: accepted.status, body: accepted.body });
      await waitFor('the owner to be told', async () => (await outbox(platform)).some((message) => message.to === email && message.template === 'account-exists'));

      for (const body of [{ email: 'not-an-email', password: PASSWORD }, { email: nextEmail('x'), password: 'short' }, { email: nextEmail('x'), password: PASSWORD, admin: true }, 'text']) {
        const refused = await call(gateway, '/auth/register', { method: 'POST', body });
        expect(refused.status).toBe(400);
        expect(refused.body.error).toBe('Bad Request');
        expect(JSON.stringify(refused.body)).not.toContain(PASSWORD);
      }
    });

    it('logs in with a session cookie kept in Redis, serves /auth/me with it, and logs out', async () => {
      const email = nextEmail('grace');
      await register(email);
      expect((await call(gateway, '/auth/me')).status).toBe(401);

      const loggedIn = await login(email, PASSWORD);
      expect(loggedIn).toMatchObject({ status: 200, body: { email } });
      const setCookie = loggedIn.headers.getSetCookie().find((line) => line.startsWith('sid='))!;
      expect(setCookie).toMatch(/; HttpOnly/);
      expect(setCookie).toMatch(/; SameSite=Lax/);
      expect(setCookie).toMatch(/; Path=\//);
      expect(setCookie).not.toMatch(/; Secure/);
      const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie)![1]!);
      expect(expires - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
      expect(expires - Date.now()).toBeLessThanOrEqual(86_400_000);

      const key = sessionKeyOf(loggedIn.cookie!);
      expect(JSON.parse((await redis.get(key))!)).toMatchObject({ user: { email } });
      expect(await redis.ttl(key)).toBeGreaterThan(86_400 - 60);

      expect(await call(gateway, '/auth/me', { cookie: loggedIn.cookie })).toMatchObject({ status: 200, body: { email } });

      const loggedOut = await call(gateway, '/auth/logout', { method: 'POST', cookie: loggedIn.cookie });
      expect(loggedOut.status).toBe(204);
      expect(loggedOut.headers.getSetCookie().join()).toMatch(/sid=;.*Expires=Thu, 01 Jan 1970/);
      expect(await redis.exists(key)).toBe(0);
      expect((await call(gateway, '/auth/me', { cookie: loggedIn.cookie })).status).toBe(401);
      expect((await call(gateway, '/auth/logout', { method: 'POST' })).status).toBe(204);
    });

    it('refuses wrong credentials with one message, whether or not the account exists', async () => {
      const email = nextEmail('linus');
      await register(email);
      const wrongPassword = await login(email, 'not the password');
      const noAccount = await login(nextEmail('nobody'), PASSWORD);
      for (const answer of [wrongPassword, noAccount]) {
        expect(answer).toMatchObject({ status: 401, body: { message: 'wrong email or password' }, cookie: undefined });
      }
    });

    it('rotates the session id at login: the session from before is gone', async () => {
      const email = nextEmail('fixation');
      await register(email);
      const first = await login(email, PASSWORD);
      const second = await login(email, PASSWORD, nextAddress(), gateway, first.cookie);
      expect(second.status).toBe(200);
      expect(second.cookie).toBeDefined();
      expect(second.cookie).not.toBe(first.cookie);
      expect(await redis.exists(sessionKeyOf(first.cookie!))).toBe(0);
      expect((await call(gateway, '/auth/me', { cookie: first.cookie })).status).toBe(401);
      expect((await call(gateway, '/auth/me', { cookie: second.cookie })).status).toBe(200);
    });

    it('serves a session created through one gateway replica through another', async () => {
      const email = nextEmail('replica');
      await register(email);
      const { cookie } = await login(email, PASSWORD);
      expect(await call(gateway2.url, '/auth/me', { cookie })).toMatchObject({ status: 200, body: { email } });
      expect((await call(gateway2.url, '/auth/logout', { method: 'POST', cookie })).status).toBe(204);
      expect((await call(gateway, '/auth/me', { cookie })).status).toBe(401);
    });

    it('marks the cookie Secure (and __Host-) with COOKIE_SECURE, and refuses a login over plain HTTP (403)', async () => {
      const email = nextEmail('secure');
      await register(email);
      const body = JSON.stringify({ email, password: PASSWORD });
      const overHttps = await fetch(`${secureGateway.url}/auth/login`, {
        method: 'POST',
        // What a TLS-terminating proxy in front of the gateway adds (trusted: loopback).
        headers: { 'content-type': 'application/json', 'x-forwarded-for': nextAddress(), 'x-forwarded-proto': 'https' },
        body,
      });
      expect(overHttps.status).toBe(200);
      loginTally.success++;
      const setCookie = overHttps.headers.getSetCookie().join();
      expect(setCookie).toMatch(/^__Host-sid=[^;]+; .*Secure/);
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);

      // Refused before accounts is asked: no login attempt to count.
      const overHttp = await fetch(`${secureGateway.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': nextAddress() },
        body,
      });
      expect(overHttp.status).toBe(403);
      expect(overHttp.headers.getSetCookie()).toEqual([]);
    });

    it('refuses a forged or tampered cookie', async () => {
      const email = nextEmail('forge');
      await register(email);
      const { cookie } = await login(email, PASSWORD);
      const tampered = `${cookie!.slice(0, -3)}${cookie!.endsWith('AAA') ? 'BBB' : 'AAA'}`;
      expect((await call(gateway, '/auth/me', { cookie: tampered })).status).toBe(401);
    });
  });

  describe('login limits', () => {
    // Each kind of budget, and what it does not lock: e2e/test/security/login-limits.e2e-spec.ts.
    it('answers 429 with Retry-After after 5 wrong passwords from one address, even for the right one, and 200 after the window', async () => {
      // Wide enough that six real logins fit in it on a slow, busy machine.
      const window = 5;
      await accountsApply(await setConfig({ 'auth.loginWindowSeconds': window }), 1_000);
      const email = nextEmail('locked');
      await register(email);
      const from = nextAddress();
      const started = Date.now();
      for (let i = 0; i < 5; i++) expect((await login(email, `wrong ${i}`, from)).status).toBe(401);
      const locked = await login(email, PASSWORD, from);
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(window);
      expect(locked.cookie).toBeUndefined();

      // The window started with the first failure.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + window * 1_000 + 100 - Date.now())));
      expect((await login(email, PASSWORD, from)).status).toBe(200);
    });

    it('lets no more than the limit of 20 parallel wrong logins from one address be checked, over two accounts replicas', async () => {
      const email = nextEmail('parallel');
      await register(email);
      const from = nextAddress();
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => login(email, `guess ${i}`, from)));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(15);
      expect((await login(email, PASSWORD, from)).status).toBe(429);
    });

    it('limits one client address across emails, taking it from X-Forwarded-For only from a trusted proxy', async () => {
      // The address budget is 100 failures a minute: 5 here, for a short test. gateway-2 sees
      // loopback, as IPv4 or IPv6 depending on the socket: both budgets.
      await accountsApply(await setConfig({ 'auth.loginIpv4MaxFailures': 5, 'auth.loginIpv6Net64MaxFailures': 5 }), 1_000);
      const email = nextEmail('address');
      await register(email);
      const attacker = nextAddress();
      for (let i = 0; i < 5; i++) expect((await login(nextEmail('victim'), PASSWORD, attacker)).status).toBe(401);
      expect((await login(email, PASSWORD, attacker)).status).toBe(429);
      expect((await login(email, PASSWORD, nextAddress())).status).toBe(200);

      // gateway-2 trusts no proxy: a made-up X-Forwarded-For does not give a fresh address.
      for (let i = 0; i < 5; i++) expect((await login(nextEmail('victim'), PASSWORD, nextAddress(), gateway2.url)).status).toBe(401);
      expect((await login(email, PASSWORD, nextAddress(), gateway2.url)).status).toBe(429);
    });
  });

  describe('central configuration', () => {
    it('is read and written with the admin token only', async () => {
      expect((await call(gateway, '/admin/config')).status).toBe(401);
      expect((await call(gateway, '/admin/config', { method: 'PUT', body: { 'auth.loginMaxAttempts': 1 } })).status).toBe(401);
      const { status, body } = await call(gateway, '/admin/config', { admin: true });
      expect(status).toBe(200);
      expect(body).toEqual({
        version: expect.any(Number),
        generation: expect.stringMatching(/^[0-9a-f]{12}$/),
        values: {
          'admin.tokenMaxFailures': 10,
          'admin.tokenFailureWindowSeconds': 600,
          'auth.loginMaxAttempts': 5,
          'auth.loginWindowSeconds': 60,
          'auth.loginEmailMaxFailures': 50,
          'auth.loginEmailWindowSeconds': 900,
          'auth.loginEmailDelaySeconds': 1,
          'auth.loginEmailMaxDelaySeconds': 60,
          'auth.loginKnownAddressDays': 30,
          'auth.loginIpv4MaxFailures': 100,
          'auth.loginIpv6Net64MaxFailures': 100,
          'auth.loginIpv6Net56MaxFailures': 200,
          'auth.loginIpv6Net48MaxFailures': 400,
          'auth.loginAddressWindowSeconds': 60,
          'auth.loginMaxSuccesses': 20,
          'auth.loginSuccessWindowSeconds': 60,
          'auth.resetTokenTtlSeconds': 900,
          'auth.resetEmailIntervalSeconds': 60,
          'auth.verificationTtlSeconds': 86_400,
          ...TEST_LIVE_CONFIG,
          'catalog.cacheTtlSeconds': 60,
          'sessions.maxPerAccount': 10,
        },
      });
    });

    it('refuses an invalid change with 400 and changes nothing', async () => {
      const before = await call(gateway, '/admin/config', { admin: true });
      const stored = await redis.hgetall('platform:config');
      for (const [changes, message] of [
        [{ 'auth.loginMaxAttempts': 0 }, 'auth.loginMaxAttempts: Too small: expected number to be >=1'],
        [{ 'auth.loginMaxAttempts': 3, 'auth.loginWindowSeconds': 'a minute' }, 'auth.loginWindowSeconds: Invalid input: expected number, received string'],
        [{ 'auth.loginMaxAttempts': 3, 'auth.typo': 1 }, 'Unrecognized key: "auth.typo"'],
        [[1, 2], 'expected a JSON object of {"key": value}'],
      ] as const) {
        const refused = await call(gateway, '/admin/config', { method: 'PUT', body: changes, admin: true });
        expect(refused).toMatchObject({ status: 400, body: { statusCode: 400, message } });
      }
      expect(await call(gateway, '/admin/config', { admin: true })).toMatchObject({ body: before.body });
      expect(await redis.hgetall('platform:config')).toEqual(stored);
    });

    it('changes the login limit of the running accounts replicas within a second, without a restart', async () => {
      const pids = [platform.services.get('accounts').process.pid, accounts2.process.pid];
      const email = nextEmail('live');
      await register(email);
      const from = nextAddress();
      expect((await login(email, 'wrong', from)).status).toBe(401);
      expect((await login(email, 'wrong', from)).status).toBe(401);

      const written = Date.now();
      const generation = await setConfig({ 'auth.loginMaxAttempts': 2 });
      await accountsApply(generation, 1_000);
      const appliedWithinMs = Date.now() - written;
      expect(appliedWithinMs).toBeLessThan(1_000);
      expect((await login(email, PASSWORD, from)).status).toBe(429);
      expect([platform.services.get('accounts').process.pid, accounts2.process.pid]).toEqual(pids);
    });

    it('repairs a dropped change signal with the version check', async () => {
      const current = await call(gateway, '/admin/config', { admin: true });
      const version = current.body.version + 1;
      const document = { ...current.body.values, 'auth.loginMaxAttempts': 1 };
      // Written straight into Redis without publishing: as if every subscriber missed the signal.
      await redis.hset('platform:config', 'version', version, 'document', JSON.stringify(document));
      await accountsApply(configGeneration(JSON.stringify(document)), 4_000);
      const email = nextEmail('repaired');
      await register(email);
      const from = nextAddress();
      expect((await login(email, 'wrong', from)).status).toBe(401);
      expect((await login(email, PASSWORD, from)).status).toBe(429);
      expect((await call(gateway, '/admin/config', { admin: true })).body).toMatchObject({ version, values: { 'auth.loginMaxAttempts': 1 } });
    });
  });

  describe('password reset', () => {
    it('resets a password with the token from the email, once', async () => {
      const email = nextEmail('reset');
      await register(email);
      await requestReset(email);
      const token = await tokenMailedTo(platform, email, 'password-reset');
      expect(await redis.keys('accounts:reset-token:*')).toContain(`accounts:reset-token:${createHash('sha256').update(token).digest('hex')}`);

      expect((await confirm(token, 'my new password')).status).toBe(204);
      expect((await login(email, 'my new password')).status).toBe(200);
      expect((await login(email, PASSWORD)).status).toBe(401);

      const reused = await confirm(token, 'yet another password');
      expect(reused).toMatchObject({ status: 400, body: { message: 'the reset token is invalid, expired or already used' } });
      expect((await login(email, 'my new password')).status).toBe(200);
    });

    it('ends every session of the account, on every gateway replica, and keeps other accounts logged in', async () => {
      const email = nextEmail('stolen');
      const bystander = nextEmail('bystander');
      await register(email);
      await register(bystander);
      const here = (await login(email, PASSWORD)).cookie!;
      const there = (await login(email, PASSWORD, nextAddress(), gateway2.url)).cookie!;
      const other = (await login(bystander, PASSWORD)).cookie!;
      for (const [base, cookie] of [[gateway, here], [gateway2.url, there], [gateway, other]] as const) {
        expect((await call(base, '/auth/me', { cookie })).status).toBe(200);
      }

      await requestReset(email);
      expect((await confirm(await tokenMailedTo(platform, email, 'password-reset'), 'my new password')).status).toBe(204);

      expect((await call(gateway, '/auth/me', { cookie: here })).status).toBe(401);
      expect((await call(gateway2.url, '/auth/me', { cookie: there })).status).toBe(401);
      expect(await redis.exists(sessionKeyOf(here), sessionKeyOf(there))).toBe(0);
      expect(await call(gateway, '/auth/me', { cookie: other })).toMatchObject({ status: 200, body: { email: bystander } });
      const fresh = (await login(email, 'my new password')).cookie!;
      expect(await call(gateway2.url, '/auth/me', { cookie: fresh })).toMatchObject({ status: 200, body: { email } });
    });

    it('answers 202 for an unknown email too, and sends nothing', async () => {
      const ghost = nextEmail('ghost');
      const before = await redis.keys('accounts:reset-token:*');
      await requestReset(ghost);
      expect(await redis.keys('accounts:reset-token:*')).toEqual(before);
      expect((await call(gateway, '/auth/password-reset', { method: 'POST', body: { email: 'nope' } })).status).toBe(400);
      expect((await confirm('not-a-token', 'whatever password')).status).toBe(400);
      expect((await confirm('A'.repeat(43), 'whatever password')).status).toBe(400);
    });

    it('lets exactly one of two concurrent confirms of one token succeed', async () => {
      const email = nextEmail('double');
      await register(email);
      await requestReset(email);
      const token = await tokenMailedTo(platform, email, 'password-reset');
      const answers = await Promise.all([confirm(token, 'first new password'), confirm(token, 'second new password')]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([204, 400]);
      const winner = answers[0]!.status === 204 ? 'first new password' : 'second new password';
      expect((await login(email, winner)).status).toBe(200);
    });

    it('refuses a token past its TTL (set through live config)', async () => {
      await accountsApply(await setConfig({ 'auth.resetTokenTtlSeconds': 1 }), 1_000);
      const email = nextEmail('expired');
      await register(email);
      await requestReset(email);
      const token = await tokenMailedTo(platform, email, 'password-reset');
      await waitFor('the token to expire in Redis', async () => (await redis.keys('accounts:reset-token:*')).length === 0, { timeoutMs: 3_000 });
      expect((await confirm(token, 'too late password')).status).toBe(400);
      expect((await login(email, PASSWORD)).status).toBe(200);
    });
  });

  describe('platform counters', () => {
    it('match every login answered in this suite, exported once by metrics-exporter, with both accounts replicas at work', async () => {
      const handled = await Promise.all(
        [platform.services.get('accounts'), accounts2].map((service) =>
          scrapeMetric(service.url, 'rpc_server_duration_seconds_count', { pattern: 'accounts.login', outcome: 'ok' }),
        ),
      );
      expect(handled.every((count) => count > 0)).toBe(true);
      expect(handled[0]! + handled[1]!).toBe(loginTally.success + loginTally.failure + loginTally.locked);

      const exporter = platform.services.get('metrics-exporter').url;
      await waitFor('metrics-exporter to show every login', async () => {
        const exported = await Promise.all(
          (['success', 'failure', 'locked'] as const).map(async (result) => [result, await scrapeMetric(exporter, 'platform_logins_total', { result })] as const),
        );
        return exported.every(([result, value]) => value === loginTally[result]);
      });
      // Each gateway replica counts the attempts it passed on, in its own prom-client counter.
      const perGateway = await Promise.all(
        [gateway, gateway2.url, secureGateway.url].map(async (url) =>
          Promise.all((['success', 'failure', 'locked'] as const).map((result) => scrapeMetric(url, 'auth_login_attempts_total', { result }))),
        ),
      );
      expect(perGateway.flat().reduce((sum, value) => sum + value, 0)).toBe(loginTally.success + loginTally.failure + loginTally.locked);
      // The accounts replicas do not export the platform counters themselves.
      const accountsMetrics = await (await fetch(`${platform.services.get('accounts').url}/metrics`)).text();
      expect(accountsMetrics).not.toContain('platform_logins_total');
      expect(loginTally.locked).toBeGreaterThan(0);
    });

    it('never keeps a password in Redis in clear (accounts, sessions, queues, config, counters) nor in a log', async () => {
      const dump: string[] = [];
      // The transport's streams included: answered requests are deleted, not just acknowledged.
      for (const key of await redis.keys('*')) {
        const type = await redis.type(key);
        if (type === 'string') dump.push((await redis.get(key)) ?? '');
        else if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
        else if (type === 'list') dump.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      }
      const everything = dump.join('\n');
      expect(everything).toContain('"passwordHash":"scrypt$');
      const logs = [...platform.services.services.values()].map((service) => service.logs()).join('\n');
      expect(logs).toContain('registered');
      for (const password of [PASSWORD, 'my new password', 'first new password', 'not the password']) {
        expect(everything).not.toContain(password);
        expect(logs).not.toContain(password);
      }
    });
  });
});
