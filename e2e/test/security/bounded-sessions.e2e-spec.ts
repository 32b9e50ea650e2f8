import { ServiceProcess } from '@platform/testing';
import { type Platform, TEST_LIVE_CONFIG } from '../platform.js';
import { ADMIN, PASSWORD, registerAccount } from '../shop.js';
import { call, nextAddress, nextEmail, startSecurityPlatform } from './support.js';

/**
 * The cap these tests run with: small, so that each test needs only a few successful logins
 * of an account (accounts limits those too).
 */
const MAX_SESSIONS = 3;
/**
 * Logins of one account at once: more than the cap, and no more than the attempts accounts
 * lets one email start at once (it charges each login before checking the password).
 */
const CONCURRENT_LOGINS = 5;

/** Issue 14, item 5: at most N sessions per account; the login that makes the N+1th ends the oldest. */
describe('security: a bounded number of sessions per account', () => {
  let platform: Platform;
  /** A second gateway replica on the same Redis. */
  let otherGateway: ServiceProcess;

  beforeAll(async () => {
    // Five logins at once hash five passwords: the generous deadline keeps this about the cap.
    platform = await startSecurityPlatform({ liveConfig: { ...TEST_LIVE_CONFIG, 'sessions.maxPerAccount': MAX_SESSIONS } });
    otherGateway = await ServiceProcess.start('gateway', { env: platform.gatewayEnv });
    platform.services.set('gateway-2', otherGateway);
  }, 90_000);

  afterAll(() => platform?.stop());

  /** An account to log into (registered and confirmed), from an address of its own (registrations are limited per address). */
  const register = (email: string) => registerAccount(platform, email, PASSWORD, { headers: { 'x-forwarded-for': nextAddress() } });

  /** Logs in through `gateway`: the session cookie it set, as `sid=...`. */
  async function login(email: string, gateway = platform.gateway): Promise<string> {
    const { status, cookie } = await call(gateway.url, '/auth/login', { body: { email, password: PASSWORD }, from: nextAddress() });
    expect({ status, cookie: Boolean(cookie) }).toEqual({ status: 200, cookie: true });
    return cookie!;
  }

  /** The status of `GET /auth/me` with each cookie, through `gateway`. */
  const statusesOf = (cookies: readonly string[], gateway = platform.gateway) =>
    Promise.all(cookies.map(async (cookie) => (await fetch(`${gateway.url}/auth/me`, { headers: { cookie } })).status));

  it(`ends the oldest session when a login makes the ${MAX_SESSIONS + 1}th: its cookie gets 401, the others 200`, async () => {
    // The cap is live configuration (the platform started with it), as the admin API shows.
    expect((await platform.request('/admin/config', { headers: ADMIN })).body.values['sessions.maxPerAccount']).toBe(MAX_SESSIONS);
    const email = nextEmail('busy');
    await register(email);
    const cookies: string[] = [];
    for (let i = 0; i < MAX_SESSIONS; i++) cookies.push(await login(email, i % 2 === 0 ? platform.gateway : otherGateway));
    expect(await statusesOf(cookies)).toEqual(cookies.map(() => 200));

    cookies.push(await login(email));
    expect(await statusesOf(cookies)).toEqual([401, ...Array.from({ length: MAX_SESSIONS }, () => 200)]);
    expect(await statusesOf(cookies, otherGateway)).toEqual([401, ...Array.from({ length: MAX_SESSIONS }, () => 200)]);
  }, 60_000);

  it(`leaves ${MAX_SESSIONS} valid sessions after ${CONCURRENT_LOGINS} concurrent logins through two gateway replicas`, async () => {
    const email = nextEmail('crowd');
    await register(email);
    const cookies = await Promise.all(Array.from({ length: CONCURRENT_LOGINS }, (_, i) => login(email, i % 2 === 0 ? platform.gateway : otherGateway)));

    const statuses = await statusesOf(cookies);
    expect(statuses.filter((status) => status === 200)).toHaveLength(MAX_SESSIONS);
    expect(statuses.filter((status) => status === 401)).toHaveLength(CONCURRENT_LOGINS - MAX_SESSIONS);
  }, 60_000);
});
