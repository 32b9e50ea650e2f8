import { createHash } from 'node:crypto';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * JSON with every object's keys sorted, so two bodies that mean the same (`{"a":1,"b":2}` and
 * `{"b":2,"a":1}`) give one fingerprint: a client library that reorders fields on a retry
 * must not be told it sent another request.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const fields = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The body as the content parser left it: JSON values canonically, text and bytes as they are. */
function bodyText(body: unknown): string | Buffer {
  if (body === undefined) return '';
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return `text:${body}`;
  return `json:${canonicalJson(body)}`;
}

/**
 * What makes two requests "the same request" for one key: the method, the URL as sent (path
 * and query: `PATCH /products/1/stock` and `/products/2/stock` are different requests even
 * with equal bodies) and the parsed body. Headers are left out: a retry may carry a new
 * trace id or date.
 */
export function requestFingerprint(request: { method: string; url: string; body?: unknown }): string {
  const hash = createHash('sha256').update(`${request.method} ${request.url}\n`);
  return hash.update(bodyText(request.body)).digest('hex');
}

/**
 * The Redis key of one caller's key: a hash, so key names hold no user id, client address,
 * credential or client-chosen text (a copy of Redis, or KEYS output, tells nothing), and
 * callers cannot collide by choosing keys that look like another caller's.
 */
export function recordKey(prefix: string, scope: string, key: string): string {
  return `${prefix}${sha256(JSON.stringify([scope, key]))}`;
}
