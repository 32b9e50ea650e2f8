import { BadRequestException, ConflictException, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NotificationsQueues } from '@contracts/notifications';
import { CountersModule } from '@platform/counters';
import { LiveConfig, LiveConfigModule, LiveConfigStore } from '@platform/live-config';
import { QueueInspector } from '@platform/queues';
import { AuthSettings } from '../src/auth-settings.js';
import { RedisModule } from '@platform/redis';
import { BLOCK_PAST_COMMAND_TIMEOUT_MS, RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { AuthModule } from '../src/auth/auth.module.js';
import { AuthService } from '../src/auth/auth.service.js';
import { PasswordResetModule } from '../src/password-reset/password-reset.module.js';
import { UsersModule } from '../src/users/users.module.js';
import { PasswordResetService } from '../src/password-reset/password-reset.service.js';
import { RegistrationModule } from '../src/registration/registration.module.js';
import { RegistrationService } from '../src/registration/registration.service.js';
import { UserRepository } from '../src/users/user.repository.js';
import { emailDigest } from '@contracts/accounts';

const PASSWORD = 'correct horse battery staple';

describe('accounts against a real Redis (the modules, without transport)', () => {
  let redis: RedisServer;
  let client: Redis;
  let app: INestApplicationContext;
  let auth: AuthService;
  let registrations: RegistrationService;
  let resets: PasswordResetService;
  let config: LiveConfigStore;
  let emails: QueueInspector;
  let addressSeq = 0;
  /** A fresh client address per test, so address limits of one test do not leak into another. */
  const nextAddress = () => `198.51.100.${++addressSeq}`;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = redis.client();
    const settings = { url: redis.url };
    @Module({
      imports: [
        RedisModule.forRoot({ settings, clientName: 'accounts-spec' }),
        LiveConfigModule.forRoot({ service: 'accounts-spec', redis: settings }),
        CountersModule.forRoot({ service: 'accounts-spec', flushIntervalMs: 50 }),
        // Room for every concurrent hash of these tests: shedding is not what they check.
        UsersModule.forRoot({ concurrency: 32, maxWaitMs: 10_000 }),
        AuthModule,
        RegistrationModule,
        PasswordResetModule,
      ],
    })
    class SpecModule {}
    app = await NestFactory.createApplicationContext(SpecModule, { logger: false });
    await app.init();
    auth = app.get(AuthService);
    registrations = app.get(RegistrationService);
    resets = app.get(PasswordResetService);
    config = app.get(LiveConfigStore);
    emails = new QueueInspector(NotificationsQueues.email, client);
  });

  afterAll(async () => {
    await emails?.onApplicationShutdown();
    await app?.close();
    client?.disconnect();
    await redis?.destroy();
  });

  describe('register', () => {
    afterEach(async () => {
      await config.replace({});
    });

    it('makes no account until the token mailed to the address is confirmed, and stores only a hash of the password', async () => {
      expect(await registrations.register({ email: 'ada@example.com', password: PASSWORD, clientAddress: nextAddress() })).toEqual({ outcome: 'accepted' });
      const token = await verificationTokenFor('ada@example.com');
      expect(await client.keys('accounts:user:*')).toEqual([]);
      expect((await auth.login({ email: 'ada@example.com', password: PASSWORD, clientAddress: nextAddress() })).outcome).toBe('failure');
      expect(await everythingInRedis({ skipQueues: true })).not.toContain(token);

      const account = await registrations.confirm(token);
      expect(account).toEqual({ id: expect.any(String), email: 'ada@example.com' });
      const stored = await client.hgetall(`accounts:user:${account.id}`);
      expect(stored.passwordHash).toMatch(/^scrypt\$/);
      expect(await everythingInRedis()).not.toContain(PASSWORD);
      expect(await client.keys('accounts:pending-registration:*')).toEqual([]);
      expect((await auth.login({ email: 'ada@example.com', password: PASSWORD, clientAddress: nextAddress() })).outcome).toBe('success');
      // A confirm retried after its answer was lost finds its account; another token is refused.
      expect(await registrations.confirm(token)).toEqual(account);
      await expect(registrations.confirm('A'.repeat(43))).rejects.toBeInstanceOf(BadRequestException);
    });

    it('answers a taken email as a free one, and tells its owner by email at most once per interval', async () => {
      const before = await emails.jobs(['waiting']);
      const taken = await registrations.register({ email: 'ada@example.com', password: 'another password', clientAddress: nextAddress() });
      expect(taken).toEqual({ outcome: 'accepted' });
      const again = await registrations.register({ email: 'ada@example.com', password: 'another password', clientAddress: nextAddress() });
      expect(again).toEqual({ outcome: 'accepted' });
      const sent = (await emails.jobs(['waiting'])).filter((job) => !before.some((old) => old.id === job.id));
      expect(sent.map((job) => job.data)).toEqual([{ template: 'account-exists', to: 'ada@example.com', data: {} }]);
      expect(await client.keys('accounts:pending-registration:*')).toEqual([]);
    });

    it('makes one account of many registrations of one email confirmed at once', async () => {
      const tokens: string[] = [];
      for (let i = 0; i < 8; i++) {
        await registrations.register({ email: 'race@example.com', password: PASSWORD, clientAddress: nextAddress() });
        tokens.push(await verificationTokenFor('race@example.com'));
      }
      const results = await Promise.allSettled(tokens.map((token) => registrations.confirm(token)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual(
        Array.from({ length: 7 }, () => expect.any(ConflictException)),
      );
      expect(await client.keys('accounts:pending-registration:*')).toEqual([]);
    });

    it('forgets a registration nobody confirms after auth.verificationTtlSeconds', async () => {
      await config.update({ 'auth.verificationTtlSeconds': 120 });
      await waitFor('the TTL to apply', () => app.get(LiveConfig).get(AuthSettings, 'verificationTtlSeconds') === 120);
      await registrations.register({ email: 'late@example.com', password: PASSWORD, clientAddress: nextAddress() });
      await verificationTokenFor('late@example.com');
      const [pending] = await client.keys('accounts:pending-registration:*');
      const ttl = await client.ttl(pending!);
      expect(ttl).toBeGreaterThan(110);
      expect(ttl).toBeLessThanOrEqual(120);
      await client.del(pending!);
    });

    it('limits registrations per client address and on the whole platform, from live config, before hashing', async () => {
      await config.update({ 'auth.registrationsPerAddressPerHour': 2 });
      await waitFor('the limit to apply', () => app.get(LiveConfig).get(AuthSettings, 'registrationsPerAddressPerHour') === 2);
      const address = nextAddress();
      const register = (email: string, clientAddress = address) => registrations.register({ email, password: PASSWORD, clientAddress });
      expect(await register('l1@example.com')).toEqual({ outcome: 'accepted' });
      expect(await register('l2@example.com')).toEqual({ outcome: 'accepted' });
      const limited = await register('l3@example.com');
      expect(limited).toEqual({ outcome: 'limited', retryAfterSeconds: expect.any(Number) });
      expect(limited.outcome === 'limited' && limited.retryAfterSeconds).toBeLessThanOrEqual(3_600);
      expect(await register('l3@example.com', nextAddress())).toEqual({ outcome: 'accepted' });

      await config.update({ 'auth.registrationsPerAddressPerHour': 1_000, 'auth.registrationsPerMinute': 1 });
      await waitFor('the limit to apply', () => app.get(LiveConfig).get(AuthSettings, 'registrationsPerMinute') === 1);
      await client.del('accounts:registrations:total');
      expect(await register('l4@example.com', nextAddress())).toEqual({ outcome: 'accepted' });
      expect((await register('l5@example.com', nextAddress())).outcome).toBe('limited');
      await client.del('accounts:registrations:total');
    });
  });

  // Login limits: test/login-limits.spec.ts.

  describe('password reset', () => {
    let accountId: string;

    beforeAll(async () => {
      accountId = (await createAccount('linus@example.com')).id;
    });

    afterEach(async () => {
      await config.replace({});
      // Each test asks for its own email: free the account's reset-email slot between them.
      await client.del(`accounts:reset-email-sent:${accountId}`);
    });


    it('queues one email with a single-use token, stored only as its hash', async () => {
      const token = await requestToken();
      expect(token).toMatch(/^[\w-]{43}$/);
      expect(await everythingInRedis({ skipQueues: true })).not.toContain(token);
      const ttl = await client.ttl((await client.keys('accounts:reset-token:*'))[0]!);
      expect(ttl).toBeGreaterThan(890);
      expect(ttl).toBeLessThanOrEqual(900);

      expect(await resets.confirm({ token, password: 'a brand new password' })).toBe(accountId);
      expect((await auth.login({ email: 'linus@example.com', password: 'a brand new password', clientAddress: nextAddress() })).outcome).toBe('success');
      expect((await auth.login({ email: 'linus@example.com', password: PASSWORD, clientAddress: nextAddress() })).outcome).toBe('failure');
      await expect(resets.confirm({ token, password: 'another new password' })).rejects.toBeInstanceOf(BadRequestException);
      expect(await client.hget(`accounts:user:${accountId}`, 'passwordHash')).toBeDefined();
    });

    it('leaves the token usable when a confirm fails before the change: the retry resets the password', async () => {
      const token = await requestToken();
      // Redis stalls longer than the connection's command timeout (2 s) as the confirm starts:
      // the confirm fails, and Redis runs what it was sent once the stall ends.
      const stall = redis.block(BLOCK_PAST_COMMAND_TIMEOUT_MS);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expect(resets.confirm({ token, password: 'a password after the stall' })).rejects.toThrow(/timed out/i);
      await stall;
      expect(await resets.confirm({ token, password: 'a password after the stall' })).toBe(accountId);
      expect((await auth.login({ email: 'linus@example.com', password: 'a password after the stall', clientAddress: nextAddress() })).outcome).toBe('success');
    });

    it('changes the password once for two concurrent confirms of one token', async () => {
      const token = await requestToken();
      const outcomes = await Promise.allSettled(['first concurrent password', 'second concurrent password'].map((password) => resets.confirm({ token, password })));
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: expect.any(BadRequestException) });
    });

    it('sends at most one email per account per auth.resetEmailIntervalSeconds, answering the same', async () => {
      await requestToken();
      const before = (await emails.counts(['waiting'])).waiting;
      await expect(resets.request(emailDigest('linus@example.com'))).resolves.toBeUndefined();
      await expect(resets.request(emailDigest('linus@example.com'))).resolves.toBeUndefined();
      expect((await emails.counts(['waiting'])).waiting).toBe(before);
      const ttl = await client.ttl(`accounts:reset-email-sent:${accountId}`);
      expect(ttl).toBeGreaterThan(50);
      expect(ttl).toBeLessThanOrEqual(60);

      // 0 turns the interval off: every request sends (read live, like every other setting).
      await config.update({ 'auth.resetEmailIntervalSeconds': 0 });
      await waitFor('the interval to be off', () => app.get(LiveConfig).get(AuthSettings, 'resetEmailIntervalSeconds') === 0);
      await requestToken();
      await requestToken();
    });

    it('sends nothing for an unknown email, and answers the same', async () => {
      const before = (await emails.counts(['waiting'])).waiting;
      await expect(resets.request(emailDigest('nobody@example.com'))).resolves.toBeUndefined();
      expect((await emails.counts(['waiting'])).waiting).toBe(before);
    });

    it('changes the credential epoch with the hash, published for the gateway, and logins carry the epoch they verified', async () => {
      const before = Number((await client.get(`accounts:credential-epoch:${accountId}`)) ?? 0);
      await resets.confirm({ token: await requestToken(), password: 'epoch test password' });
      const epoch = Number(await client.get(`accounts:credential-epoch:${accountId}`));
      expect(epoch).toBe(before + 1);
      expect(await client.hget(`accounts:user:${accountId}`, 'credentialEpoch')).toBe(String(epoch));
      expect(await auth.login({ email: 'linus@example.com', password: 'epoch test password', clientAddress: nextAddress() })).toMatchObject({
        outcome: 'success',
        credentialEpoch: epoch,
      });
    });

    it('stores a rehash from a login only over the hash that login verified, never over a newer password', async () => {
      const users = app.get(UserRepository);
      const verified = (await users.findById(accountId))!.passwordHash;
      await users.changePassword(accountId, 'scrypt$a-newer-password-hash');
      expect(await users.replaceUnchangedHash(accountId, verified, 'scrypt$rehash-of-the-old-password')).toBe(false);
      expect(await client.hget(`accounts:user:${accountId}`, 'passwordHash')).toBe('scrypt$a-newer-password-hash');
      const epoch = await client.hget(`accounts:user:${accountId}`, 'credentialEpoch');
      expect(await users.replaceUnchangedHash(accountId, 'scrypt$a-newer-password-hash', 'scrypt$its-rehash')).toBe(true);
      expect(await client.hget(`accounts:user:${accountId}`, 'credentialEpoch')).toBe(epoch);
      // Give the account a real password again for the tests after this one.
      await users.changePassword(accountId, verified);
    });

    it('honours only the newest reset token, and none after a password change', async () => {
      await config.update({ 'auth.resetEmailIntervalSeconds': 0 });
      await waitFor('the interval to be off', () => app.get(LiveConfig).get(AuthSettings, 'resetEmailIntervalSeconds') === 0);
      const older = await requestToken();
      const newer = await requestToken();
      // The older one is void, and deleted: one live token per account in Redis.
      expect(await client.keys('accounts:reset-token:*')).toHaveLength(1);
      await expect(resets.confirm({ token: older, password: 'older token password' })).rejects.toBeInstanceOf(BadRequestException);
      expect(await resets.confirm({ token: newer, password: 'newer token password' })).toBe(accountId);
      await expect(resets.confirm({ token: newer, password: 'newer token again' })).rejects.toBeInstanceOf(BadRequestException);
      expect(await client.exists(`accounts:current-reset-token:${accountId}`)).toBe(0);
    });

    it('lets exactly one of two concurrent confirms through', async () => {
      const token = await requestToken();
      const results = await Promise.allSettled([
        resets.confirm({ token, password: 'first new password' }),
        resets.confirm({ token, password: 'second new password' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    });

    it('refuses an expired token (TTL from live config)', async () => {
      await config.update({ 'auth.resetTokenTtlSeconds': 1 });
      await waitForConfig(undefined, undefined, 1);
      const token = await requestToken();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await expect(resets.confirm({ token, password: 'too late password' })).rejects.toThrow('the reset token is invalid, expired or already used');
      await expect(resets.confirm({ token: 'A'.repeat(43), password: 'unknown token pw' })).rejects.toBeInstanceOf(BadRequestException);
    });
  });

  /** Asks for a reset of linus@example.com and returns the token from the queued email. */
  async function requestToken(): Promise<string> {
    const before = new Set((await emails.jobs(['waiting'])).map((job) => job.id));
    await resets.request(emailDigest('linus@example.com'));
    const job = (await emails.jobs(['waiting'])).find((candidate) => !before.has(candidate.id));
    expect(job?.data).toMatchObject({ template: 'password-reset', to: 'linus@example.com' });
    expect(job?.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential' }, removeOnComplete: true });
    return job!.data.data.token as string;
  }

  /** The token of the newest verification email queued for `email` (the job is removed, as if sent). */
  async function verificationTokenFor(email: string): Promise<string> {
    const job = (await emails.jobs(['waiting'])).find((candidate) => candidate.data.template === 'verify-email' && candidate.data.to === email);
    expect(job?.opts).toMatchObject({ attempts: 5, removeOnComplete: true });
    await job!.remove();
    return job!.data.data.token as string;
  }

  /** An account made the way users make one: registered, then confirmed with the mailed token. */
  async function createAccount(email: string) {
    await registrations.register({ email, password: PASSWORD, clientAddress: nextAddress() });
    return registrations.confirm(await verificationTokenFor(email));
  }

  /** Waits until this app's LiveConfig has applied the given values. */
  async function waitForConfig(window?: number, attempts?: number, resetTtl?: number) {
    const live = app.get(LiveConfig);
    await waitFor('the config change', () =>
      (window === undefined || live.get(AuthSettings, 'loginWindowSeconds') === window) &&
      (attempts === undefined || live.get(AuthSettings, 'loginMaxAttempts') === attempts) &&
      (resetTtl === undefined || live.get(AuthSettings, 'resetTokenTtlSeconds') === resetTtl),
    );
  }

  /** Every key and value in Redis as one string (streams and hashes included). */
  async function everythingInRedis({ skipQueues = false } = {}): Promise<string> {
    const parts: string[] = [];
    for (const key of await client.keys('*')) {
      if (skipQueues && key.startsWith('bull:')) continue;
      const type = await client.type(key);
      const value =
        type === 'string' ? await client.get(key)
        : type === 'hash' ? await client.hgetall(key)
        : type === 'list' ? await client.lrange(key, 0, -1)
        : type === 'set' ? await client.smembers(key)
        : type === 'zset' ? await client.zrange(key, '0', '-1')
        : type === 'stream' ? await client.xrange(key, '-', '+')
        : null;
      parts.push(key, JSON.stringify(value));
    }
    return parts.join('\n');
  }
});
