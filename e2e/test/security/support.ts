import { type Platform, type PlatformOptions, startPlatform } from '../platform.js';
import { ADMIN_TOKEN, JSON_BODY, UNSHED_HASHING } from '../shop.js';

/** An answer as the security specs read it. */
export interface Answer {
  status: number;
  headers: Headers;
  /** JSON when the body parsed as JSON, else its text (HTML, or empty). */
  body: any;
  /** The session cookie the answer set, as `sid=...` (not a clearing `sid=`), if it set one. */
  cookie: string | undefined;
}

export interface CallOptions {
  /** GET without a body, POST with one, unless given. */
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** A cookie header, e.g. a session's `sid=...`. */
  cookie?: string;
  /** The client address the proxy says it forwarded for (the platforms trust loopback). */
  from?: string;
}

/** One request to `base` (a gateway's URL), answered whole. */
export async function call(base: string, path: string, { method, headers = {}, body, cookie, from }: CallOptions = {}): Promise<Answer> {
  const sent: Record<string, string> = { ...(body === undefined ? {} : JSON_BODY), ...headers };
  if (cookie) sent.cookie = cookie;
  if (from) sent['x-forwarded-for'] = from;
  const response = await fetch(`${base}${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // HTML, or empty
  }
  return { status: response.status, headers: response.headers, body: parsed, cookie: sessionCookie(response.headers) };
}

/** The `sid=...` cookie a response set, unless it only cleared it. */
export function sessionCookie(headers: Headers): string | undefined {
  const cookie = headers.getSetCookie().find((line) => line.startsWith('sid='))?.split(';')[0];
  return cookie && cookie !== 'sid=' ? cookie : undefined;
}

let seq = 0;
/** A new email for each call: specs never share accounts. */
export const nextEmail = (name: string) => `${name}.${++seq}.${Date.now()}@example.com`;
/**
 * A new client address for each call (in a documentation range), so per-address limits of
 * one test do not reach another; they cycle after 250.
 */
export const nextAddress = (network = '198.51.100') => `${network}.${(++seq % 250) + 1}`;

/**
 * A platform as the security specs need it: the gateway trusts X-Forwarded-For from loopback
 * (so each request names its client), a generous deadline (logins and registrations hash
 * passwords for real, with scrypt, on a machine that may be busy), and no hashing shed.
 */
export function startSecurityPlatform({ gatewayEnv = {}, env = {}, ...options }: PlatformOptions = {}): Promise<Platform> {
  return startPlatform({
    ...options,
    gatewayEnv: { ADMIN_TOKEN, TRUST_PROXY: 'loopback', RPC_TIMEOUT_MS: '10000', ...gatewayEnv },
    env: { ...UNSHED_HASHING, ...env },
  });
}
