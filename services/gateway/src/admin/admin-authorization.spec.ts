import { AdminTokenGuard } from '@platform/http';
import { presentedAdminToken } from './admin-authorization.js';

const TOKEN = 'an-admin-token-of-some-length';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

/** Whether Bull Board lets a request with this Authorization header in (from an address never blocked). */
const isAdmin = async (guard: AdminTokenGuard, header: string | undefined) => (await guard.access(presentedAdminToken(header), '203.0.113.7')).granted;

describe('admin authorization for Bull Board', () => {
  it('reads the token from a bearer header or from the password of HTTP Basic', () => {
    expect(presentedAdminToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(presentedAdminToken(basic(`admin:${TOKEN}`))).toBe(TOKEN);
    expect(presentedAdminToken(basic(`:${TOKEN}`))).toBe(TOKEN);
    expect(presentedAdminToken(basic('no-colon'))).toBeUndefined();
    expect(presentedAdminToken(undefined)).toBeUndefined();
    expect(presentedAdminToken(['Bearer a', 'Bearer b'])).toBeUndefined();
  });

  it('lets the admin token in, whichever way it came, and nothing else', async () => {
    const guard = new AdminTokenGuard(TOKEN);
    expect(await isAdmin(guard, `Bearer ${TOKEN}`)).toBe(true);
    expect(await isAdmin(guard, basic(`anyone:${TOKEN}`))).toBe(true);
    for (const header of [undefined, '', `Bearer ${TOKEN}x`, basic(`${TOKEN}:wrong`), basic('admin:'), 'Digest abc']) {
      expect(await isAdmin(guard, header)).toBe(false);
    }
  });

  it('lets nobody in when no admin token is configured', async () => {
    expect(await isAdmin(new AdminTokenGuard(undefined), basic('admin:'))).toBe(false);
    expect(await isAdmin(new AdminTokenGuard(undefined), 'Bearer undefined')).toBe(false);
  });
});
