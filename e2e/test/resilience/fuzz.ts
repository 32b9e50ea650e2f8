import type { SeededRandom } from '@platform/testing';

/** One HTTP request, byte for byte as it will be sent (the path is not normalized). */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** What the request tries, for failure messages. */
  label: string;
}

/** Who the request claims to be. */
export interface Credentials {
  adminToken: string;
  /** A `name=value` session cookie of a logged-in user. */
  sessionCookie: string;
}

/** Path parameter values that have broken servers: encodings, traversal, sizes, numbers, unicode. */
const ODD_IDS = [
  '%00', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2f..%2f', '..%252f', '%zz', '%', '%c0%ae%c0%ae', '%ff%fe',
  '-1', '0', '-0', '1e309', '9007199254740993', 'NaN', 'Infinity', 'null', 'undefined', 'true', '[]', '%7B%7D',
  encodeURIComponent('ñandú'), encodeURIComponent('😀'), encodeURIComponent('\u202e\u0000'), encodeURIComponent('<script>'),
  encodeURIComponent("' OR 1=1 --"), '__proto__', 'constructor', 'a'.repeat(101), 'b'.repeat(5_000),
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '%20', '.', '..',
];

const ODD_QUERIES = [
  '', '?limit=-1', '?limit=abc', '?limit=1e9', '?limit=', '?limit=1&limit=2', '?limit[]=1', '?limit[a]=1',
  '?__proto__[admin]=1', '?constructor[prototype][x]=1', `?q=${'x'.repeat(4_000)}`, '?%zz=1', '?limit=%00',
];

/** Values of the wrong type for whatever field a body has. */
const WRONG_VALUES: unknown[] = [
  null, true, -1, 0, 1.5, 1e308, 'x', '', '-1', [], [1, 2], {}, { nested: { deeper: [null] } }, 'ñ😀\u0000',
  'a'.repeat(10_000), -(2 ** 53) - 2, '2026-13-45', '<script>alert(1)</script>',
];

/** Field names a request body of this platform may have, and some it must refuse. */
const FIELD_NAMES = [
  'email', 'password', 'token', 'name', 'price', 'stock', 'limit', 'id', 'queueName', 'delay', 'priority', 'data',
  'auth.loginMaxAttempts', 'catalog.cacheTtlSeconds', 'unknown', 'admin', '__proto__', 'constructor', 'isAdmin',
];

/** Bodies a JSON API must refuse cleanly. */
function oddBody(random: SeededRandom): { body: string; contentType?: string; label: string } {
  switch (random.int(0, 11)) {
    case 0:
      return { body: random.pick(['{', '{"a":', '[1,', '{"a":1}}', "{'a':1}", '{"a":01}', 'nul', '\u0000', '{"a":"\\uZZZZ"}']), contentType: 'application/json', label: 'malformed JSON' };
    case 1:
      return { body: JSON.stringify(random.pick(WRONG_VALUES)), contentType: 'application/json', label: 'a JSON value that is not an object' };
    case 2: {
      const body: Record<string, unknown> = {};
      for (let i = random.int(1, 5); i > 0; i--) body[random.pick(FIELD_NAMES)] = random.pick(WRONG_VALUES);
      return { body: JSON.stringify(body), contentType: 'application/json', label: 'fields of the wrong type' };
    }
    case 3:
      return {
        body: JSON.stringify({ email: `fuzz${random.int(0, 1e6)}@example.com`, password: 'long enough password', name: 'mug', price: 5, stock: 1, [random.string(8)]: 'unknown field' }),
        contentType: 'application/json',
        label: 'a plausible body with an unknown field',
      };
    case 4:
      return { body: '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}', contentType: 'application/json', label: 'prototype pollution' };
    case 5:
      return { body: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }), contentType: 'application/json', label: 'a body over the 64 KiB limit' };
    case 6: {
      const depth = random.int(1_000, 5_000);
      return { body: `${'['.repeat(depth)}${']'.repeat(depth)}`, contentType: 'application/json', label: `JSON nested ${depth} deep` };
    }
    case 7:
      return { body: 'email=a@b.c&password=x', contentType: 'application/x-www-form-urlencoded', label: 'a form body' };
    case 8:
      return { body: '<a>1</a>', contentType: random.pick(['text/plain', 'application/xml', 'text/html; charset=utf-7']), label: 'a body of another type' };
    case 9:
      return { body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', contentType: 'multipart/form-data; boundary=x', label: 'multipart' };
    case 10:
      return { body: '', contentType: 'application/json', label: 'an empty JSON body' };
    default:
      return { body: JSON.stringify({ a: 1 }), label: 'JSON without a content type' };
  }
}

/** A template's parameters (`:id`, `*`) replaced with odd values. */
function oddPath(template: string, random: SeededRandom): string {
  const path = template
    .replace(/:[A-Za-z0-9_]+(\([^)]*\))?\??/g, () => random.pick(ODD_IDS))
    .replace(/\*/g, () => random.pick(ODD_IDS.slice(0, 12)));
  return path + random.pick(ODD_QUERIES);
}

/**
 * `count` requests for one route (`METHOD /template`), drawn from `random`: odd path
 * parameters and queries, malformed and mistyped bodies, oversized ones, unknown fields,
 * without credentials, with the admin token, with a user's session, or with bad ones.
 */
export function fuzzRequests(route: string, random: SeededRandom, count: number, credentials: Credentials): FuzzRequest[] {
  const [method, template] = route.split(' ') as [string, string];
  const requests: FuzzRequest[] = [];
  for (let i = 0; i < count; i++) {
    const headers: Record<string, string> = {};
    const who = random.pick(['anonymous', 'admin', 'session', 'bad-token', 'bad-cookie', 'admin+session'] as const);
    if (who === 'admin' || who === 'admin+session') headers.authorization = `Bearer ${credentials.adminToken}`;
    if (who === 'session' || who === 'admin+session') headers.cookie = credentials.sessionCookie;
    if (who === 'bad-token') headers.authorization = random.pick(['Bearer ', 'Bearer x', `Bearer ${credentials.adminToken}x`, 'Basic Zm9vOmJhcg==', 'Bearer \u00ff']);
    if (who === 'bad-cookie') headers.cookie = random.pick(['session=garbage', `${credentials.sessionCookie}x`, 'session=', 'a=b; session=%zz']);
    const path = random.chance(0.7) ? oddPath(template, random) : template.replace(/:[A-Za-z0-9_]+/g, 'x').replace(/\*/g, 'x');
    let body: string | undefined;
    let label = `${who}`;
    // Bodies mostly where the method takes one, sometimes where it does not.
    if (['POST', 'PUT', 'PATCH'].includes(method) ? random.chance(0.9) : random.chance(0.1)) {
      const odd = oddBody(random);
      body = odd.body;
      if (odd.contentType) headers['content-type'] = odd.contentType;
      label += `, ${odd.label}`;
    }
    requests.push({ method, path, headers, body, label });
  }
  return requests;
}
