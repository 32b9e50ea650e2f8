import { scrapeMetric, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import type { Platform } from '../platform.js';
import { ADMIN, JSON_BODY, PASSWORD, registerAccount } from '../shop.js';
import { nextAddress, nextEmail, startSecurityPlatform } from './support.js';

/** The settings these tests change, with their defaults (restored after each test). */
const DEFAULTS = {
  'auth.loginEmailMaxFailures': 50,
  'auth.loginEmailDelaySeconds': 1,
  'auth.loginEmailMaxDelaySeconds': 60,
  'auth.loginIpv6Net48MaxFailures': 400,
  'auth.loginMaxSuccesses': 20,
} as const;

interface Answer {
  status: number;
  /** The Retry-After header, in seconds, if the answer had one. */
  retryAfter: number | undefined;
}

/**
 * Issue 14, item 4: login limits an attacker cannot turn on the owner. The client addresses
 * are told in X-Forwarded-For, which this gateway trusts from loopback (TRUST_PROXY), the way
 * a proxy in front of it would; two accounts replicas share the limits.
 */
describe('security: login limits an attacker cannot turn on the owner', () => {
  let platform: Platform;
  let redis: Redis;

  beforeAll(async () => {
    platform = await startSecurityPlatform({ replicas: { accounts: 2 } });
    redis = platform.redis.client();
  }, 90_000);

  afterEach(async () => {
    const keys = await redis.keys('accounts:login-*');
    if (keys.length > 0) await redis.del(...keys);
    await configure(DEFAULTS);
  });

  afterAll(async () => {
    redis?.disconnect();
    await platform?.stop();
  });

  async function register(email: string): Promise<void> {
    await registerAccount(platform, email);
  }

  async function login(email: string, password: string, from: string): Promise<Answer> {
    const { status, headers } = await platform.request('/auth/login', {
      method: 'POST',
      headers: { ...JSON_BODY, 'x-forwarded-for': from },
      body: JSON.stringify({ email, password }),
    });
    const retryAfter = headers.get('retry-after');
    return { status, retryAfter: retryAfter === null ? undefined : Number(retryAfter) };
  }

  /** Writes `changes` through the admin API and waits until both accounts replicas run them. */
  async function configure(changes: Partial<Record<keyof typeof DEFAULTS, number>>): Promise<void> {
    const answer = await platform.request('/admin/config', { method: 'PUT', headers: { ...ADMIN, ...JSON_BODY }, body: JSON.stringify(changes) });
    expect(answer.status).toBe(200);
    const generation = answer.body.generation as string;
    await waitFor(`both accounts replicas to apply config generation ${generation}`, async () => {
      const applied = await Promise.all(
        ['accounts', 'accounts-2'].map((name) => scrapeMetric(platform.services.get(name).url, 'live_config_generation_info', { generation })),
      );
      return applied.every((value) => value === 1);
    });
  }

  it('does not lock the owner out, from their own address, after 5 failures from other addresses', async () => {
    const owner = nextEmail('owner');
    await register(owner);
    const attacker = nextAddress();
    for (let i = 0; i < 5; i++) expect((await login(owner, `guess ${i}`, attacker)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await login(owner, `guess ${i}`, nextAddress())).status).toBe(401);
    // The attacker's address has spent its 5 attempts on this email...
    const refused = await login(owner, PASSWORD, attacker);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfter).toBeLessThanOrEqual(60);
    // ...and the owner, from their own address, logs in.
    expect((await login(owner, PASSWORD, nextAddress())).status).toBe(200);
  });

  it('does not lock the other users behind one proxy address after 5 failures there', async () => {
    const [typist, colleague, other] = [nextEmail('typist'), nextEmail('colleague'), nextEmail('other')];
    await Promise.all([register(typist), register(colleague), register(other)]);
    const proxy = nextAddress();
    for (let i = 0; i < 5; i++) expect((await login(typist, `typo ${i}`, proxy)).status).toBe(401);
    // The seeds' 5 attempts a minute for one email from one address still hold...
    expect((await login(typist, PASSWORD, proxy)).status).toBe(429);
    // ...but the address itself has a far larger budget: everyone else behind it logs in.
    expect((await login(colleague, PASSWORD, proxy)).status).toBe(200);
    expect((await login(other, PASSWORD, proxy)).status).toBe(200);
  });

  it('slows down failures for one email from many addresses, never for long, and not at the owner\'s own address', async () => {
    await configure({ 'auth.loginEmailMaxFailures': 3, 'auth.loginEmailDelaySeconds': 5, 'auth.loginEmailMaxDelaySeconds': 10 });
    const owner = nextEmail('delayed');
    await register(owner);
    const home = nextAddress();
    expect((await login(owner, PASSWORD, home)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login(owner, `guess ${i}`, nextAddress())).status).toBe(401);
    // Past the email's budget, from a new address: a delay of at most 5 s (longer than a hash, so
    // still running), not a lock for the window.
    const delayed = await login(owner, PASSWORD, nextAddress());
    expect(delayed.status).toBe(429);
    expect(delayed.retryAfter).toBeGreaterThanOrEqual(1);
    expect(delayed.retryAfter).toBeLessThanOrEqual(5);
    // From the address the owner logged in from before: no delay at all.
    expect((await login(owner, PASSWORD, home)).status).toBe(200);

    // One more failure doubles the delay (to its cap, 10 s); once it is over, the owner logs in from anywhere.
    expect((await login(owner, 'guess 3', nextAddress())).status).toBe(401);
    const longer = await login(owner, PASSWORD, nextAddress());
    expect(longer.status).toBe(429);
    expect(longer.retryAfter).toBeGreaterThan(delayed.retryAfter!);
    expect(longer.retryAfter).toBeLessThanOrEqual(10);
    await new Promise((resolve) => setTimeout(resolve, longer.retryAfter! * 1_000 + 50));
    expect((await login(owner, PASSWORD, nextAddress())).status).toBe(200);
  });

  it('counts IPv6 addresses of one /48 in one budget, so a /48 cannot rotate through its /64s', async () => {
    await configure({ 'auth.loginIpv6Net48MaxFailures': 3 });
    const user = nextEmail('v6');
    await register(user);
    // Three failures from three /56s (so three /64s) of 2001:db8:a::/48, for three emails.
    for (const from of ['2001:db8:a:100::1', '2001:db8:a:200::1', '2001:db8:a:300::1']) {
      expect((await login(nextEmail('v6-guess'), PASSWORD, from)).status).toBe(401);
    }
    const refused = await login(user, PASSWORD, '2001:db8:a:ff00::1');
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBeLessThanOrEqual(60);
    expect((await login(user, PASSWORD, '2001:db8:b::1')).status).toBe(200);
  });

  it('refuses the N+1th successful login of an account within the window, also when they arrive at once', async () => {
    await configure({ 'auth.loginMaxSuccesses': 3 });
    const victim = nextEmail('stolen');
    const bystander = nextEmail('bystander');
    await Promise.all([register(victim), register(bystander)]);
    // A stolen password, tried from 8 addresses at once, over both accounts replicas.
    const answers = await Promise.all(Array.from({ length: 8 }, () => login(victim, PASSWORD, nextAddress())));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    const refused = await login(victim, PASSWORD, nextAddress());
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfter).toBeLessThanOrEqual(60);
    expect((await login(bystander, PASSWORD, nextAddress())).status).toBe(200);
  });
});
