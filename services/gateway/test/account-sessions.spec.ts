import { randomUUID } from 'node:crypto';
import { ServiceUnavailableException } from '@nestjs/common';
import { LiveConfig, LiveConfigStore } from '@platform/live-config';
import { RedisMonitor, RedisServer } from '@platform/testing';
import type { Session } from 'fastify';
import type { Redis } from 'ioredis';
import { AccountSessions, accountSessionsKey, END_BATCH_SIZE } from '../src/auth/account-sessions.js';
import { RedisSessionStore, sessionKey } from '../src/auth/redis-session.store.js';
import { SessionSettings } from '../src/auth/session-settings.js';

const MAX_AGE_SECONDS = 86_400;

/** What the old code kept: a plain set of session keys under this name. */
const legacyIndexKey = (accountId: string) => `gateway:account-sessions:${accountId}`;

/** A session as the login route leaves it: its account, the epoch, a cookie expiring in `ttlSeconds`. */
function loggedIn(accountId: string, ttlSeconds: number): Session {
  return {
    user: { id: accountId, email: `${accountId}@example.com` },
    credentialEpoch: 0,
    cookie: { expires: new Date(Date.now() + ttlSeconds * 1_000) },
  } as unknown as Session;
}

/**
 * The session store and the account index as one gateway replica has them, each replica on a
 * connection of its own to the same Redis, all reading the cap from the live configuration.
 */
describe('AccountSessions: at most N sessions per account, an index pruned by expiry, revocation in batches (real Redis)', () => {
  let server: RedisServer;
  let redis: Redis;
  let live: LiveConfig;
  const connections: Redis[] = [];
  const replicas: Array<{ store: RedisSessionStore; sessions: AccountSessions }> = [];

  function replica() {
    const connection = server.client();
    connections.push(connection);
    const sessions = new AccountSessions(connection, live);
    const made = { sessions, store: new RedisSessionStore(connection, MAX_AGE_SECONDS, sessions) };
    replicas.push(made);
    return made;
  }

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = server.client();
    live = new LiveConfig(new LiveConfigStore(redis), { service: 'gateway', redis: { url: server.url } });
    live.addSections(SessionSettings);
    await live.onModuleInit();
    replica();
  });

  afterAll(async () => {
    await live?.onApplicationShutdown();
    for (const connection of [...connections, redis]) connection?.disconnect();
    await server?.destroy();
  });

  /** `sessions.maxPerAccount` as an operator sets it (PUT /admin/config), applied by this replica. */
  async function setCap(maxPerAccount: number): Promise<void> {
    await new LiveConfigStore(redis).update({ 'sessions.maxPerAccount': maxPerAccount });
    await live.refresh();
    expect(live.get(SessionSettings, 'maxPerAccount')).toBe(maxPerAccount);
  }

  /** A login of `accountId` through a replica's store (the login route saves its session): its session id. */
  async function login(accountId: string, { ttlSeconds = 3_600, via = replicas[0]! } = {}): Promise<string> {
    const sessionId = randomUUID();
    await via.store.save(sessionId, loggedIn(accountId, ttlSeconds));
    return sessionId;
  }

  /** The ids among `sessionIds` whose session is still in Redis (its cookie would still get in). */
  async function alive(sessionIds: readonly string[]): Promise<string[]> {
    const found = await Promise.all(sessionIds.map((id) => replicas[0]!.store.load(id)));
    return sessionIds.filter((_, i) => found[i] !== null);
  }

  const indexed = (accountId: string) => redis.zrange(accountSessionsKey(accountId), '0', '-1');

  it('ends the oldest session when a login makes one more than the cap', async () => {
    await setCap(3);
    const account = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await login(account));

    expect(await alive(ids)).toEqual(ids.slice(1));
    expect((await indexed(account)).sort()).toEqual(ids.slice(1).map(sessionKey).sort());
    // Logins a few microseconds apart (several in one millisecond) keep their order too.
    for (let i = 0; i < 30; i++) ids.push(await login(account));
    expect(await alive(ids)).toEqual(ids.slice(-3));
  });

  it('follows a change of the cap at the next login', async () => {
    await setCap(5);
    const account = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await login(account));
    expect(await alive(ids)).toEqual(ids);

    await setCap(2);
    ids.push(await login(account));
    expect(await alive(ids)).toEqual(ids.slice(4));
  });

  it('does not count sessions that ended another way (logout, another login in the same browser, a refused epoch)', async () => {
    await setCap(3);
    const account = randomUUID();
    const [a, b, c] = [await login(account), await login(account), await login(account)];
    // Logout takes its member out; a session ended by the store alone (regenerate at a
    // second login, SessionGuard refusing an old epoch) leaves a member behind.
    await replicas[0]!.sessions.remove(account, a);
    await replicas[0]!.store.remove(a);
    await replicas[0]!.store.remove(b);
    expect(await indexed(account)).toEqual(expect.not.arrayContaining([sessionKey(a)]));

    const d = await login(account);
    const e = await login(account);
    expect(await alive([a, b, c, d, e])).toEqual([c, d, e]);
    const f = await login(account);
    expect(await alive([c, d, e, f])).toEqual([d, e, f]);
    expect((await indexed(account)).sort()).toEqual([d, e, f].map(sessionKey).sort());
  });

  it('never leaves more than the cap with many concurrent logins on several replicas', async () => {
    await setCap(5);
    while (replicas.length < 3) replica();
    const account = randomUUID();
    const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => login(account, { via: replicas[i % 3] })));

    const left = await alive(ids);
    expect(left).toHaveLength(5);
    expect((await indexed(account)).sort()).toEqual(left.map(sessionKey).sort());
  });

  it('prunes the sessions that expired at each login, and lives as long as its newest session', async () => {
    await setCap(10);
    const account = randomUUID();
    const short = await login(account, { ttlSeconds: 1 });
    const long = await login(account, { ttlSeconds: 3_600 });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await alive([short])).toEqual([]);
    expect(await indexed(account)).toContain(sessionKey(short));

    const later = await login(account, { ttlSeconds: 60 });
    // Scored by expiry: the 1 h session last, the expired one gone.
    expect(await indexed(account)).toEqual([sessionKey(later), sessionKey(long)]);
    const expiry = Number(await redis.zscore(accountSessionsKey(account), sessionKey(long)));
    expect(Math.abs(expiry - (Date.now() + 3_600_000 - 1_200))).toBeLessThan(2_000);
    // The index expires with the session that lives longest, not with the last one made.
    const ttlMs = await redis.pttl(accountSessionsKey(account));
    expect(ttlMs).toBeGreaterThan(3_590_000);
    expect(ttlMs).toBeLessThanOrEqual(3_600_000);
  });

  it('ends 1,200 sessions of an account with commands of at most END_BATCH_SIZE keys each', async () => {
    await setCap(2_000);
    const account = randomUUID();
    const other = await login(randomUUID());
    const ids = await Promise.all(Array.from({ length: 1_200 }, () => login(account)));
    expect(await redis.zcard(accountSessionsKey(account))).toBe(1_200);

    const keysPerCommand: Array<{ command: string; keys: number }> = [];
    const monitor = await RedisMonitor.start(server.url, ({ args }) => {
      const command = args[0]?.toLowerCase();
      if (command === 'del' || command === 'unlink') keysPerCommand.push({ command, keys: args.length - 1 });
    });
    try {
      await replicas[0]!.sessions.endAll(account);
      await monitor.caughtUpWith(redis);
    } finally {
      monitor.stop();
    }

    expect(await alive(ids)).toEqual([]);
    expect(await redis.exists(accountSessionsKey(account))).toBe(0);
    expect(await alive([other])).toEqual([other]);
    expect(keysPerCommand.reduce((sum, { keys }) => sum + keys, 0)).toBeGreaterThanOrEqual(1_200);
    expect(Math.max(...keysPerCommand.map(({ keys }) => keys))).toBeLessThanOrEqual(END_BATCH_SIZE);
    expect(END_BATCH_SIZE).toBeLessThanOrEqual(500);
  });

  it('keeps working over an index the previous version left (a set), and still ends its sessions', async () => {
    await setCap(3);
    const account = randomUUID();
    // Before the upgrade: 600 sessions and a set of their keys under the old name.
    const before = Array.from({ length: 600 }, () => randomUUID());
    const json = JSON.stringify(loggedIn(account, 3_600));
    await Promise.all(before.map((id) => redis.set(sessionKey(id), json, 'EX', 3_600)));
    await redis.sadd(legacyIndexKey(account), ...before.map(sessionKey));
    await redis.expire(legacyIndexKey(account), 3_600);

    const after = [await login(account), await login(account)];
    expect((await alive([...before, ...after])).length).toBe(602);

    await replicas[0]!.sessions.endAll(account);
    expect(await alive([...before, ...after])).toEqual([]);
    expect(await redis.exists(legacyIndexKey(account), accountSessionsKey(account))).toBe(0);
  });

  it('answers 503 for a login, a logout and an end of all sessions while Redis is down', async () => {
    const account = randomUUID();
    const id = await login(account);
    await server.kill();
    try {
      await expect(login(account)).rejects.toBeInstanceOf(ServiceUnavailableException);
      await expect(replicas[0]!.sessions.remove(account, id)).rejects.toBeInstanceOf(ServiceUnavailableException);
      await expect(replicas[0]!.sessions.endAll(account)).rejects.toBeInstanceOf(ServiceUnavailableException);
    } finally {
      await server.start();
    }
  });
});
