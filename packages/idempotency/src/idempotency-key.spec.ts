import { readIdempotencyKey } from './idempotency-key.js';

describe('readIdempotencyKey', () => {
  it('is undefined without the header', () => {
    expect(readIdempotencyKey(undefined)).toBeUndefined();
  });

  it('takes a key bare or as the draft\'s quoted sf-string, without the quotes', () => {
    expect(readIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toEqual({ valid: true, key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    expect(readIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toEqual({ valid: true, key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    expect(readIdempotencyKey('order:42/retry#1')).toEqual({ valid: true, key: 'order:42/retry#1' });
    expect(readIdempotencyKey('k'.repeat(255))).toEqual({ valid: true, key: 'k'.repeat(255) });
  });

  it.each([
    ['empty', ''],
    ['empty quotes', '""'],
    ['too long', 'k'.repeat(256)],
    ['a space (two headers joined)', 'first, second'],
    ['an unbalanced quote', '"open'],
    ['a quote inside', 'a"b'],
    ['a backslash', 'a\\b'],
    ['a control character', 'a\tb'],
    ['non-ASCII', 'clé'],
  ])('refuses %s', (_what, value) => {
    expect(readIdempotencyKey(value)).toEqual({ valid: false });
  });

  it('refuses the header given as a list', () => {
    expect(readIdempotencyKey(['a', 'b'])).toEqual({ valid: false });
  });
});
