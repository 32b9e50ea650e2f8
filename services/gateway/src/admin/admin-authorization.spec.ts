import { AdminTokenGuard } from '@platform/http';
import { isAdmin, presentedAdminToken } from './admin-authorization.js';

const TOKEN = 'an-admin-token-of-some-length';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('admin authorization for Bull Board', () => {
  it('reads the token from a bearer header or from the password of HTTP Basic', () => {
    expect(presentedAdminToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(presentedAdminToken(basic(`admin:${TOKEN}`))).toBe(TOKEN);
    expect(presentedAdminToken(basic(`:${TOKEN}`))).toBe(TOKEN);
    expect(presentedAdminToken(basic('no-colon'))).toBeUndefined();
    expect(presentedAdminToken(undefined)).toBeUndefined();
    expect(presentedAdminToken(['Bearer a', 'Bearer b'])).toBeUndefined();
  });

  it('lets the admin token in, whichever way it came, and nothing else', () => {
    const guard = new AdminTokenGuard(TOKEN);
    expect(isAdmin(guard, `Bearer ${TOKEN}`)).toBe(true);
    expect(isAdmin(guard, basic(`anyone:${TOKEN}`))).toBe(true);
    for (const header of [undefined, '', `Bearer ${TOKEN}x`, basic(`${TOKEN}:wrong`), basic('admin:'), 'Digest abc']) {
      expect(isAdmin(guard, header)).toBe(false);
    }
  });

  it('lets nobody in when no admin token is configured', () => {
    expect(isAdmin(new AdminTokenGuard(undefined), basic('admin:'))).toBe(false);
    expect(isAdmin(new AdminTokenGuard(undefined), 'Bearer undefined')).toBe(false);
  });
});
