import { REDACTED, redact } from './redact.js';

describe('redact', () => {
  it('replaces the value at each path, leaving the original as it was', () => {
    const login = { email: 'ada@example.com', password: 'hunter22', nested: { token: 't', keep: 1 } };
    expect(redact(login, ['password', 'nested.token'])).toEqual({ email: 'ada@example.com', password: REDACTED, nested: { token: REDACTED, keep: 1 } });
    expect(login.password).toBe('hunter22');
  });

  it('looks through arrays, and `*` covers every field of an object', () => {
    expect(redact({ items: [{ secret: 'a', id: 1 }, { id: 2 }] }, ['items.secret'])).toEqual({ items: [{ secret: REDACTED, id: 1 }, { id: 2 }] });
    expect(redact({ tokens: { github: 'x', gitlab: 'y' } }, ['tokens.*'])).toEqual({ tokens: { github: REDACTED, gitlab: REDACTED } });
    expect(redact([{ password: 'p' }], ['password'])).toEqual([{ password: REDACTED }]);
  });

  it('redacts the whole value for the empty path, and changes nothing where a path leads nowhere', () => {
    expect(redact('a secret', [''])).toBe(REDACTED);
    expect(redact({ a: 1 }, ['b', 'a.c'])).toEqual({ a: 1 });
    expect(redact(null, ['password'])).toBeNull();
    expect(redact('text', ['password'])).toBe('text');
  });

  it('keeps a field named __proto__ a field', () => {
    const parsed = JSON.parse('{"__proto__": {"password": "p"}, "password": "q"}') as unknown;
    const result = redact(parsed, ['*.password', 'password']) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(JSON.stringify(result)).toBe('{"__proto__":{"password":"[redacted]"},"password":"[redacted]"}');
  });
});
