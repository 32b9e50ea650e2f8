import { PasswordHasher, SCRYPT_PARAMS } from './password-hasher.js';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('verifies the right password and refuses any other', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(stored).toMatch(new RegExp(`^scrypt\\$${SCRYPT_PARAMS.N}\\$8\\$3\\$[\\w-]{22}\\$[\\w-]{43}$`));
    expect(stored).not.toContain('correct horse');
    expect(await hasher.verify('correct horse battery', stored)).toBe(true);
    expect(await hasher.verify('correct horse batterY', stored)).toBe(false);
    expect(await hasher.verify('', stored)).toBe(false);
    expect(hasher.needsRehash(stored)).toBe(false);
  });

  it('salts every hash, so equal passwords do not give equal hashes', async () => {
    expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'));
  });

  it('treats canonically equivalent spellings as the same password', async () => {
    // "é" precomposed vs "e" + combining acute accent.
    expect(await hasher.verify('caf\u0065\u0301 au lait', await hasher.hash('caf\u00e9 au lait'))).toBe(true);
  });

  it('reads hashes made with older parameters and asks for a rehash', async () => {
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.from('0123456789abcdef');
    const old = `scrypt$16384$8$1$${salt.toString('base64url')}$${scryptSync('old password', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
    expect(await hasher.verify('old password', old)).toBe(true);
    expect(hasher.needsRehash(old)).toBe(true);
  });

  it('refuses a malformed stored hash instead of throwing', async () => {
    expect(await hasher.verify('x', 'plaintext')).toBe(false);
    expect(await hasher.verifyNothing('anything')).toBe(false);
  });
});
