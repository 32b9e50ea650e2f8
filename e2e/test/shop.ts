import { scrapeMetric } from '@platform/testing';
import { firstValueFrom } from 'rxjs';
import type { RpcContract, RpcRequest, RpcResponse } from '@platform/contracts';
import { createClientProxy } from '@platform/transport';
import type { Platform } from './platform.js';

/** The admin token the catalog and queue e2e tests start the gateway with. */
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` } as const;
export const JSON_BODY = { 'content-type': 'application/json' } as const;
/**
 * accounts with room for 20 parallel password hashes per replica, none shed: for tests about
 * logins and resets, not overload (overload.e2e-spec.ts covers shedding).
 */
export const UNSHED_HASHING = { PASSWORD_HASH_CONCURRENCY: '20', PASSWORD_HASH_MAX_WAIT_MS: '10000' } as const;

export interface ProductBody {
  id: string;
  name: string;
  price: number;
  stock: number;
  version: number;
}

/** Every product key in catalog's store, sorted: "nothing changed" and "exactly one was created" are read here, not from the gateway. */
export async function storedProducts(platform: Platform): Promise<string[]> {
  const redis = platform.redis.client();
  try {
    return (await redis.keys('catalog:product:*')).sort();
  } finally {
    redis.disconnect();
  }
}

/** `POST /products` as the admin; fails the test unless it answers 201. */
export async function createProduct(platform: Platform, product: { name: string; price: number; stock: number }): Promise<ProductBody> {
  const { status, body } = await platform.request('/products', { method: 'POST', headers: { ...ADMIN, ...JSON_BODY }, body: JSON.stringify(product) });
  if (status !== 201) throw new Error(`POST /products answered ${status}: ${JSON.stringify(body)}`);
  return body as ProductBody;
}

/** `PATCH /products/:id/stock` as the admin. */
export function setStock(platform: Platform, id: string, stock: unknown) {
  return platform.request(`/products/${id}/stock`, { method: 'PATCH', headers: { ...ADMIN, ...JSON_BODY }, body: JSON.stringify({ stock }) });
}

/** Registers `email` and logs in: the session cookie to send as `cookie`. */
export async function loginAs(platform: Platform, email: string): Promise<string> {
  const credentials = JSON.stringify({ email, password: 'correct horse battery staple' });
  const registered = await platform.request('/auth/register', { method: 'POST', headers: JSON_BODY, body: credentials });
  if (registered.status !== 201) throw new Error(`register ${email}: ${registered.status} ${JSON.stringify(registered.body)}`);
  const login = await platform.request('/auth/login', { method: 'POST', headers: JSON_BODY, body: credentials });
  const cookie = login.headers.getSetCookie()[0]?.split(';')[0];
  if (login.status !== 200 || !cookie) throw new Error(`login ${email}: ${login.status} ${JSON.stringify(login.body)}`);
  return cookie;
}

/** `POST /products/:id/watch` with a session cookie. */
export function watch(platform: Platform, id: string, cookie: string) {
  return platform.request(`/products/${id}/watch`, { method: 'POST', headers: { cookie } });
}

/** How many times a service handled a pattern, from its own `rpc_server_duration_seconds`. */
export function handled(platform: Platform, service: string, pattern: string, kind: 'request' | 'event' = 'request', outcome = 'ok'): Promise<number> {
  return scrapeMetric(platform.services.get(service).url, 'rpc_server_duration_seconds_count', { pattern, kind, outcome });
}

/** A platform counter as metrics-exporter exports it (the Redis-kept total). */
export function platformCounter(platform: Platform, metric: string, labels: Record<string, string> = {}): Promise<number> {
  return scrapeMetric(platform.services.get('metrics-exporter').url, metric, labels);
}

/**
 * Calls a service directly over the platform's transport, the way another service would,
 * bypassing the gateway (to make a change the gateway hears of only through events).
 */
export async function callDirectly<C extends RpcContract>(platform: Platform, contract: C, payload: RpcRequest<C>): Promise<RpcResponse<C>> {
  const kind = platform.env.RPC_TRANSPORT === 'redis' ? 'redis' : 'redis-streams';
  const client = createClientProxy({ kind, redis: { url: platform.redis.url } }, 'e2e-test');
  try {
    return (await firstValueFrom(client.send(contract.pattern, payload))) as RpcResponse<C>;
  } finally {
    await client.close();
  }
}

/**
 * The password-reset token in an email's text: 43 base64url characters. Not `\b…\b`: a token
 * may start or end with `-`, which is no word character, and one in 32 would not be found.
 */
export function resetTokenIn(text: string): string {
  const token = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/.exec(text)?.[0];
  if (!token) throw new Error(`no reset token in the email: ${text}`);
  return token;
}
