import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Counters, CountersModule } from '@platform/counters';
import { LiveConfig, LiveConfigModule, LiveConfigStore } from '@platform/live-config';
import { RedisModule } from '@platform/redis';
import { RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { AuthSettings } from '../src/auth-settings.js';
import { AuthModule } from '../src/auth/auth.module.js';
import { AuthService } from '../src/auth/auth.service.js';
import { LoginLimiter, type Reservation } from '../src/auth/login-limiter.js';
import { PendingRegistrations } from '../src/registration/pending-registrations.js';
import { PasswordHasher } from '../src/users/password-hasher.js';
import { UserRepository } from '../src/users/user.repository.js';
import { UsersModule } from '../src/users/users.module.js';

const PASSWORD = 'correct horse battery staple';
const OWNER = 'grace@example.com';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** `n` reservations that were all allowed. */
const allAllowed = (n: number) => Array.from({ length: n }, () => ({ allowed: true }));

/**
 * Issue 14, item 4: limits an attacker cannot turn on the owner. The limiter is driven
 * directly where timing matters (a reservation takes milliseconds, a real login a quarter of
 * a second of scrypt), and through AuthService for what a login answers.
 */
describe('login limits against a real Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  let app: INestApplicationContext;
  let auth: AuthService;
  let limiter: LoginLimiter;
  let config: LiveConfigStore;
  let seq = 0;
  /** A fresh IPv4 address per call, so one test's address budgets never reach another's. */
  const nextAddress = () => `198.51.${Math.floor(++seq / 250)}.${(seq % 250) + 1}`;
  const nextEmail = () => `someone.${++seq}@example.com`;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
    const settings = { url: redis.url };
    @Module({
      imports: [
        RedisModule.forRoot({ settings, clientName: 'login-limits-spec' }),
        LiveConfigModule.forRoot({ service: 'login-limits-spec', redis: settings }),
        CountersModule.forRoot({ service: 'login-limits-spec', flushIntervalMs: 50 }),
        // Room for every concurrent hash of these tests: shedding is not what they check.
        UsersModule.forRoot({ concurrency: 32, maxWaitMs: 10_000 }),
        AuthModule,
      ],
      providers: [PendingRegistrations],
    })
    class SpecModule {}
    app = await NestFactory.createApplicationContext(SpecModule, { logger: false });
    await app.init();
    auth = app.get(AuthService);
    limiter = app.get(LoginLimiter);
    config = app.get(LiveConfigStore);
    await createAccount(OWNER);
  });

  afterEach(async () => {
    await config.replace({});
    await waitFor('the defaults', () => app.get(LiveConfig).get(AuthSettings, 'loginMaxSuccesses') === AuthSettings.defaults['auth.loginMaxSuccesses']);
    for (const key of await client.keys('accounts:login-*')) await client.del(key);
  });

  afterAll(async () => {
    await app?.close();
    client?.disconnect();
    await redis?.destroy();
  });

  /** An account, made the way a confirmed registration makes one (registration itself: accounts.spec.ts). */
  async function createAccount(email: string): Promise<void> {
    const passwordHash = await app.get(PasswordHasher).hash(PASSWORD);
    const { tokenHash } = await app.get(PendingRegistrations).hold(email, passwordHash, 60);
    const account = await app.get(UserRepository).createFromRegistration({ tokenHash, email, passwordHash });
    if (typeof account === 'string') throw new Error(`no account for ${email}: ${account}`);
  }

  /** Writes `changes` to the live configuration and waits until this app applies them. */
  async function configure(changes: Partial<Record<keyof typeof AuthSettings.defaults, number>>): Promise<void> {
    await config.update(changes);
    const live = app.get(LiveConfig);
    await waitFor('the config change', () =>
      Object.entries(changes).every(([key, value]) => live.get(AuthSettings, key.slice('auth.'.length) as never) === value),
    );
  }

  const login = (email: string, password: string, clientAddress: string) => auth.login({ email, password, clientAddress });
  const outcome = async (email: string, password: string, clientAddress: string) => (await login(email, password, clientAddress)).outcome;
  /** `count` failed attempts, charged the way a login charges them (reserved, never succeeded). */
  async function fail(count: number, email: (i: number) => string, address: (i: number) => string): Promise<Reservation[]> {
    const reservations: Reservation[] = [];
    for (let i = 0; i < count; i++) reservations.push(await limiter.reserve(email(i), address(i)));
    return reservations;
  }
  const allowed = { allowed: true } as const;

  describe('one email from one address: the hard limit (auth.loginMaxAttempts a window)', () => {
    it('refuses the right password after 5 failures from that address until the window ends, and only there', async () => {
      const window = 4;
      await configure({ 'auth.loginWindowSeconds': window });
      const attacker = nextAddress();
      const started = Date.now();
      // One burst: the window starts with the first failure, and the machine may be slow.
      const failures = await Promise.all(Array.from({ length: 5 }, () => login(OWNER, 'wrong', attacker)));
      expect(failures.map((result) => result.outcome)).toEqual(Array(5).fill('failure'));
      const locked = await login(OWNER, PASSWORD, attacker);
      expect(locked).toEqual({ outcome: 'locked', retryAfterSeconds: expect.any(Number) });
      expect(locked.outcome === 'locked' && locked.retryAfterSeconds).toBeLessThanOrEqual(window);

      // The owner, elsewhere, is not locked; nor is another account at the attacker's address.
      expect(await outcome(OWNER, PASSWORD, nextAddress())).toBe('success');
      await createAccount('neighbour@example.com');
      expect(await outcome('neighbour@example.com', PASSWORD, attacker)).toBe('success');

      await sleep(Math.max(0, started + window * 1_000 + 50 - Date.now()));
      expect(await outcome(OWNER, PASSWORD, attacker)).toBe('success');
    });

    it('lets exactly the limit of 20 concurrent wrong guesses be checked', async () => {
      const address = nextAddress();
      const results = await Promise.all(Array.from({ length: 20 }, () => login(OWNER, 'wrong', address)));
      expect(results.filter((r) => r.outcome === 'failure')).toHaveLength(5);
      expect(results.filter((r) => r.outcome === 'locked')).toHaveLength(15);
    });

    it('counts failures only: a success gives its attempt back', async () => {
      const address = nextAddress();
      for (let i = 0; i < 4; i++) await login(OWNER, 'wrong', address);
      for (let i = 0; i < 3; i++) expect(await outcome(OWNER, PASSWORD, address)).toBe('success');
      expect(await outcome(OWNER, 'wrong', address)).toBe('failure');
      expect(await outcome(OWNER, PASSWORD, address)).toBe('locked');
    });

    it('applies a new limit from live config to the very next attempt', async () => {
      const address = nextAddress();
      for (let i = 0; i < 2; i++) await login(OWNER, 'wrong', address);
      await configure({ 'auth.loginMaxAttempts': 2 });
      expect(await outcome(OWNER, PASSWORD, address)).toBe('locked');
      await configure({ 'auth.loginMaxAttempts': 3 });
      expect(await outcome(OWNER, PASSWORD, address)).toBe('success');
    });
  });

  describe('one email from every address: delays, never a hard lock', () => {
    it('does not lock the owner out after failures from other addresses', async () => {
      const owner = nextAddress();
      expect(await fail(20, () => OWNER, () => nextAddress())).toEqual(allAllowed(20));
      expect(await outcome(OWNER, PASSWORD, owner)).toBe('success');
    });

    it('past auth.loginEmailMaxFailures, spaces attempts by a delay that doubles per failure up to its cap, whatever the address', async () => {
      await configure({ 'auth.loginEmailMaxFailures': 3, 'auth.loginEmailDelaySeconds': 1, 'auth.loginEmailMaxDelaySeconds': 2 });
      expect(await fail(3, () => OWNER, () => nextAddress())).toEqual(allAllowed(3));
      const retryAfter = async () => {
        const refused = await limiter.reserve(OWNER, nextAddress());
        expect(refused.allowed).toBe(false);
        return refused.allowed ? 0 : refused.retryAfterSeconds;
      };
      expect(await retryAfter()).toBe(1);
      await sleep(1_050);
      expect(await limiter.reserve(OWNER, nextAddress())).toEqual(allowed);
      expect(await retryAfter()).toBe(2);
      await sleep(2_050);
      expect(await limiter.reserve(OWNER, nextAddress())).toEqual(allowed);
      // Capped: 2 s, not 4.
      expect(await retryAfter()).toBe(2);
      await sleep(2_050);
      // Delayed, not locked: the right password logs in, and its success lifts the delay.
      expect(await outcome(OWNER, PASSWORD, nextAddress())).toBe('success');
      expect(await outcome(OWNER, PASSWORD, nextAddress())).toBe('success');
    });

    it('lets only one attempt through per delay, however many arrive at once', async () => {
      await configure({ 'auth.loginEmailMaxFailures': 2, 'auth.loginEmailDelaySeconds': 30 });
      await fail(1, () => OWNER, () => nextAddress());
      const burst = await Promise.all(Array.from({ length: 10 }, () => limiter.reserve(OWNER, nextAddress())));
      expect(burst.filter((reservation) => reservation.allowed)).toHaveLength(1);
      expect(burst.filter((reservation) => !reservation.allowed)).toEqual(Array.from({ length: 9 }, () => ({ allowed: false, retryAfterSeconds: 30 })));
      // Another email is not delayed by the owner's.
      expect(await limiter.reserve(nextEmail(), nextAddress())).toEqual(allowed);
    });

    it('does not delay the owner at an address the account logged in from lately', async () => {
      await configure({ 'auth.loginEmailMaxFailures': 2, 'auth.loginEmailDelaySeconds': 30 });
      const home = '2001:db8:40:1::10';
      expect(await outcome(OWNER, PASSWORD, home)).toBe('success');
      await fail(2, () => OWNER, () => nextAddress());
      expect(await limiter.reserve(OWNER, nextAddress())).toEqual({ allowed: false, retryAfterSeconds: 30 });
      // Known by its /64: the owner's device may change its interface id.
      expect(await outcome(OWNER, PASSWORD, '2001:db8:40:1::77')).toBe('success');
      await fail(1, () => OWNER, () => nextAddress());
      expect((await limiter.reserve(OWNER, nextAddress())).allowed).toBe(false);
      expect(await limiter.reserve(OWNER, home)).toEqual(allowed);

      // A password reset forgets the known addresses: whoever held the old password made some.
      await limiter.forgetEmail(OWNER);
      await fail(2, () => OWNER, () => nextAddress());
      expect((await limiter.reserve(OWNER, home)).allowed).toBe(false);

      // 0 days: no address is known.
      await limiter.forgetEmail(OWNER);
      expect(await outcome(OWNER, PASSWORD, home)).toBe('success');
      await configure({ 'auth.loginKnownAddressDays': 0 });
      await fail(2, () => OWNER, () => nextAddress());
      expect((await limiter.reserve(OWNER, home)).allowed).toBe(false);
    });
  });

  describe('one address for every email: budgets above the per-email ones', () => {
    it('does not lock the other users behind one proxy address after a few typos', async () => {
      const proxy = nextAddress();
      expect(await fail(5, () => 'typo@example.com', () => proxy)).toEqual(allAllowed(5));
      expect(await fail(40, () => nextEmail(), () => proxy)).toEqual(allAllowed(40));
      expect(await outcome(OWNER, PASSWORD, proxy)).toBe('success');
    });

    it('refuses every email at an IPv4 address past auth.loginIpv4MaxFailures', async () => {
      await configure({ 'auth.loginIpv4MaxFailures': 3 });
      const attacker = nextAddress();
      await fail(3, () => nextEmail(), () => attacker);
      expect(await outcome(OWNER, PASSWORD, attacker)).toBe('locked');
      expect(await outcome(OWNER, PASSWORD, nextAddress())).toBe('success');
    });

    it('counts an IPv6 address in its /64, /56 and /48, each with its own budget', async () => {
      // /64: two addresses of one /64 are one client.
      await configure({ 'auth.loginIpv6Net64MaxFailures': 3 });
      await fail(3, () => nextEmail(), (i) => `2001:db8:64:1::${i + 1}`);
      expect(await outcome(OWNER, PASSWORD, '2001:db8:64:1:ffff::9')).toBe('locked');
      expect(await outcome(OWNER, PASSWORD, '2001:db8:64:2::9')).toBe('success');

      // /56: 256 /64s share one budget.
      await configure({ 'auth.loginIpv6Net56MaxFailures': 3 });
      await fail(3, () => nextEmail(), (i) => `2001:db8:56:${i + 1}::1`);
      expect(await outcome(OWNER, PASSWORD, '2001:db8:56:ff::1')).toBe('locked');
      expect(await outcome(OWNER, PASSWORD, '2001:db8:56:100::1')).toBe('success');

      // /48: 65,536 /64s share one budget.
      await configure({ 'auth.loginIpv6Net48MaxFailures': 3 });
      await fail(3, () => nextEmail(), (i) => `2001:db8:48:${(i + 1) * 0x100}::1`);
      expect(await outcome(OWNER, PASSWORD, '2001:db8:48:ff00::1')).toBe('locked');
      expect(await outcome(OWNER, PASSWORD, '2001:db8:49::1')).toBe('success');
    });

    it('gives the address budgets the defaults: IPv4 100, IPv6 /64 100, /56 200, /48 400 failures a minute', () => {
      expect(AuthSettings.defaults).toMatchObject({
        'auth.loginIpv4MaxFailures': 100,
        'auth.loginIpv6Net64MaxFailures': 100,
        'auth.loginIpv6Net56MaxFailures': 200,
        'auth.loginIpv6Net48MaxFailures': 400,
        'auth.loginAddressWindowSeconds': 60,
        'auth.loginEmailMaxFailures': 50,
        'auth.loginEmailWindowSeconds': 900,
        'auth.loginMaxSuccesses': 20,
        'auth.loginSuccessWindowSeconds': 60,
        'auth.loginKnownAddressDays': 30,
      });
    });
  });

  describe('successful logins', () => {
    it('refuses the N+1th success for one account within the window, wherever it comes from', async () => {
      await configure({ 'auth.loginMaxSuccesses': 3, 'auth.loginSuccessWindowSeconds': 30 });
      for (let i = 0; i < 3; i++) expect(await outcome(OWNER, PASSWORD, nextAddress())).toBe('success');
      const refused = await login(OWNER, PASSWORD, nextAddress());
      expect(refused).toEqual({ outcome: 'locked', retryAfterSeconds: expect.any(Number) });
      expect(refused.outcome === 'locked' && refused.retryAfterSeconds).toBeLessThanOrEqual(30);
      // Failures are not successes: a wrong password is still just wrong, and another account logs in.
      await createAccount('other.account@example.com');
      expect(await outcome('other.account@example.com', PASSWORD, nextAddress())).toBe('success');
    });

    it('lets exactly the limit of concurrent right logins through', async () => {
      await configure({ 'auth.loginMaxSuccesses': 3 });
      const results = await Promise.all(Array.from({ length: 8 }, () => login(OWNER, PASSWORD, nextAddress())));
      expect(results.filter((r) => r.outcome === 'success')).toHaveLength(3);
      expect(results.filter((r) => r.outcome === 'locked')).toHaveLength(5);
    });

    it('starts afresh once the owner proves control of the mailbox (a password reset)', async () => {
      await configure({ 'auth.loginMaxSuccesses': 1, 'auth.loginEmailMaxFailures': 1, 'auth.loginEmailDelaySeconds': 60 });
      expect(await outcome(OWNER, PASSWORD, nextAddress())).toBe('success');
      expect(await outcome(OWNER, PASSWORD, nextAddress())).toBe('locked');
      await limiter.forgetEmail(OWNER);
      expect(await fail(1, () => OWNER, () => nextAddress())).toEqual([allowed]);
      await limiter.forgetEmail(OWNER);
      expect(await outcome(OWNER, PASSWORD, nextAddress())).toBe('success');
    });
  });

  it('counts every outcome in the Redis-kept counter', async () => {
    await app.get(Counters).flush();
    const before = await client.hgetall('platform:counters:platform_logins_total');
    const address = nextAddress();
    await login(OWNER, PASSWORD, address);
    for (let i = 0; i < 6; i++) await login(OWNER, 'wrong', address);
    const delta = (result: string, after: Record<string, string>) => Number(after[`result=${result}`] ?? 0) - Number(before[`result=${result}`] ?? 0);
    await app.get(Counters).flush();
    const after = await client.hgetall('platform:counters:platform_logins_total');
    expect({ success: delta('success', after), failure: delta('failure', after), locked: delta('locked', after) }).toEqual({ success: 1, failure: 5, locked: 1 });
  });
});
