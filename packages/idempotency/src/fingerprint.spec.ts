import { canonicalJson, recordKey, requestFingerprint } from './fingerprint.js';

const post = (body: unknown, url = '/orders', method = 'POST') => requestFingerprint({ method, url, body });

describe('request fingerprints', () => {
  it('are equal for bodies that mean the same, whatever the order of their fields', () => {
    expect(post({ a: 1, b: { c: [1, { e: 2, d: 3 }] } })).toBe(post({ b: { c: [1, { d: 3, e: 2 }] }, a: 1 }));
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
  });

  it('differ by method, path, query and body', () => {
    const base = post({ stock: 3 }, '/products/1/stock', 'PATCH');
    expect(new Set([
      base,
      post({ stock: 3 }, '/products/2/stock', 'PATCH'),
      post({ stock: 3 }, '/products/1/stock', 'PUT'),
      post({ stock: 3 }, '/products/1/stock?force=1', 'PATCH'),
      post({ stock: 4 }, '/products/1/stock', 'PATCH'),
      post([3], '/products/1/stock', 'PATCH'),
    ]).size).toBe(6);
  });

  it('tell a JSON string, a text body, bytes and no body apart', () => {
    expect(new Set([post('"x"'), post('x'), post(Buffer.from('x')), post(undefined), post(null)]).size).toBe(5);
  });
});

describe('record keys', () => {
  it('hash the scope and the key, so neither shows and no pair collides with another', () => {
    const key = recordKey('svc:idempotency:', '{"address":"10.0.0.1"}', 'k1');
    expect(key).toMatch(/^svc:idempotency:[0-9a-f]{64}$/);
    expect(key).not.toContain('10.0.0.1');
    expect(recordKey('p:', 'a', 'b:c')).not.toBe(recordKey('p:', 'a:b', 'c'));
  });
});
