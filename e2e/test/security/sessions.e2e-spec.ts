import { createHash, randomUUID } from 'node:crypto';
import { RedisMonitor, scrapeMetric, ServiceProcess, waitFor, within } from '@platform/testing';
import type { Redis } from 'ioredis';
import type { Platform } from '../platform.js';
import { ADMIN, createProduct, registerAccount, tokenIn } from '../shop.js';
import { call, nextAddress, nextEmail, startSecurityPlatform } from './support.js';

const OLD_PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'the owner took the account back';
const ATTACKER_PASSWORD = 'the attacker keeps the account';

describe('security: sessions bound to the credentials they were made with, one current reset token', () => {
  let platform: Platform;
  let gateway: string;
  /** A gateway replica that gives up on accounts after 1 s: its confirm answers 504 behind a Redis stall. */
  let impatientGateway: ServiceProcess;
  let redis: Redis;

  beforeAll(async () => {
    // The generous deadline makes the race below one between logins and the reset, not with timeouts.
    platform = await startSecurityPlatform({ gatewayEnv: { DEV_ENDPOINTS: 'true' } });
    gateway = platform.gateway.url;
    impatientGateway = await ServiceProcess.start('gateway', { env: { ...platform.gatewayEnv, RPC_TIMEOUT_MS: '1000' } });
    platform.services.set('gateway-impatient', impatientGateway);
    redis = platform.redis.client();
  }, 90_000);

  afterAll(async () => {
    redis?.disconnect();
    await platform?.stop();
  });

  async function register(email: string): Promise<string> {
    return (await registerAccount(platform, email, OLD_PASSWORD)).id;
  }

  /** Every reset token mailed to `email` so far (the dev outbox, through the gateway). */
  async function tokensMailedTo(email: string): Promise<string[]> {
    const { status, body } = await call(gateway, '/dev/outbox?limit=200');
    expect(status).toBe(200);
    return (body.emails as Array<{ to: string; template: string; text: string }>)
      .filter((message) => message.to === email && message.template === 'password-reset')
      .map((message) => tokenIn(message.text));
  }

  /** Requests a reset and answers the token of the email it sent (one not seen before). */
  async function newResetToken(email: string): Promise<string> {
    const before = new Set(await tokensMailedTo(email));
    expect((await call(gateway, '/auth/password-reset', { body: { email } })).status).toBe(202);
    return waitFor(`a new reset email to ${email}`, async () => (await tokensMailedTo(email)).find((token) => !before.has(token)));
  }

  const me = (cookie: string, base = gateway) => call(base, '/auth/me', { cookie });
  const login = (email: string, password: string) => call(gateway, '/auth/login', { body: { email, password }, from: nextAddress() });
  const confirm = (token: string, password: string, base = gateway) => call(base, '/auth/password-reset/confirm', { body: { token, password } });
  const passwordHashOf = (accountId: string) => redis.hget(`accounts:user:${accountId}`, 'passwordHash');

  it('leaves no session made with the old password valid once the confirm answered, however logins interleave with it', async () => {
    const email = nextEmail('owner');
    await register(email);
    const token = await newResetToken(email);

    // Attackers log in with the old password in a loop, before, during and after the reset.
    const stolen: string[] = [];
    const confirmed = new AbortController();
    const attacker = async () => {
      while (!confirmed.signal.aborted) {
        const answer = await login(email, OLD_PASSWORD);
        if (answer.status === 200) stolen.push(answer.cookie!);
      }
    };
    const attackers = Array.from({ length: 4 }, attacker);
    await waitFor('the attackers to hold sessions', () => stolen.length >= 4, { timeoutMs: 20_000 });

    const answer = await confirm(token, NEW_PASSWORD);
    confirmed.abort();
    expect(answer.status).toBe(204);
    await Promise.all(attackers);

    const stillValid = [];
    for (const cookie of stolen) if ((await me(cookie)).status === 200) stillValid.push(cookie);
    expect({ sessions: stolen.length, stillValid: stillValid.length }).toEqual({ sessions: stolen.length, stillValid: 0 });
    expect((await login(email, OLD_PASSWORD)).status).toBe(401);
    const owner = await login(email, NEW_PASSWORD);
    expect(owner.status).toBe(200);
    expect((await me(owner.cookie!)).status).toBe(200);
  }, 60_000);

  it('refuses the stolen session once the password changed, even when the confirm answered 504, and replays it no answer', async () => {
    const email = nextEmail('victim');
    const accountId = await register(email);
    const stolen = (await login(email, OLD_PASSWORD)).cookie!;
    expect((await me(stolen)).status).toBe(200);
    const token = await newResetToken(email);
    const oldHash = await passwordHashOf(accountId);

    // Accounts reads the token and the account, then Redis stalls while it hashes the new
    // password: the impatient gateway gives up (504) before accounts can store the new hash
    // and the gateway could end any session; the change lands once Redis answers again. The
    // stall starts once the account was read (MONITOR): a stall that caught one of the reads
    // would outlast accounts' command timeout and end the confirm before any change (the token
    // stays usable then; accounts.spec covers that case).
    const tokenKey = `accounts:reset-token:${createHash('sha256').update(token).digest('hex')}`;
    let tokenRead = false;
    let accountRead!: () => void;
    const hashing = new Promise<void>((resolve) => (accountRead = resolve));
    const monitor = await RedisMonitor.start(platform.redis.url, ({ args }) => {
      const command = args[0]?.toUpperCase();
      if (command === 'GET' && args[1] === tokenKey) tokenRead = true;
      else if (tokenRead && command === 'HGETALL' && args[1] === `accounts:user:${accountId}`) accountRead();
    });
    let answer: Awaited<ReturnType<typeof confirm>>;
    try {
      const confirming = confirm(token, NEW_PASSWORD, impatientGateway.url);
      await within('accounts to read the token and the account', hashing, 5_000);
      const stall = platform.redis.block(2_500);
      answer = await confirming;
      await stall;
    } finally {
      monitor.stop();
    }
    expect([503, 504]).toContain(answer.status);

    await waitFor('the new password hash to be stored', async () => (await passwordHashOf(accountId)) !== oldHash, { timeoutMs: 10_000 });
    // Nobody ended the stolen session (the confirm gave up first). A stored answer is replayed
    // before the guards run: the owner's answers must be out of its reach all the same.
    const owner = (await login(email, NEW_PASSWORD)).cookie!;
    const product = await createProduct(platform, { name: `Lamp ${randomUUID()}`, price: 40, stock: 0 });
    const key = randomUUID();
    const watch = (cookie: string) => fetch(`${gateway}/products/${product.id}/watch`, { method: 'POST', headers: { cookie, 'idempotency-key': key } });
    expect((await watch(owner)).status).toBe(204);
    const replay = await watch(stolen);
    expect({ status: replay.status, replayed: replay.headers.get('idempotent-replayed') }).toEqual({ status: 401, replayed: null });

    expect((await me(stolen)).status).toBe(401);
    expect((await me(stolen, impatientGateway.url)).status).toBe(401);
  }, 60_000);

  it('accepts only the newest reset token, and none once the password changed', async () => {
    // One reset email per request, so that two tokens are out at once.
    const put = await fetch(`${gateway}/admin/config`, { method: 'PUT', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ 'auth.resetEmailIntervalSeconds': 0 }) });
    expect(put.status).toBe(200);
    const { generation } = (await put.json()) as { generation: string };
    await waitFor('accounts to apply the config', async () => (await scrapeMetric(platform.services.get('accounts').url, 'live_config_generation_info', { generation })) === 1);

    const email = nextEmail('tokens');
    const accountId = await register(email);
    const older = await newResetToken(email);
    const newer = await newResetToken(email);
    const hashBefore = await passwordHashOf(accountId);

    expect(await confirm(older, ATTACKER_PASSWORD)).toMatchObject({ status: 400, body: { message: 'the reset token is invalid, expired or already used' } });
    expect(await passwordHashOf(accountId)).toBe(hashBefore);
    expect((await login(email, ATTACKER_PASSWORD)).status).toBe(401);

    expect((await confirm(newer, NEW_PASSWORD)).status).toBe(204);
    expect((await confirm(newer, ATTACKER_PASSWORD)).status).toBe(400);
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
  }, 60_000);

});
