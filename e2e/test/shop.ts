import { scrapeMetric, waitFor } from '@platform/testing';
import { firstValueFrom } from 'rxjs';
import type { RpcContract, RpcRequest, RpcResponse } from '@platform/contracts';
import { createClientProxy } from '@platform/transport';
import { type OutboxEmail, NotificationsRpc } from '@contracts/notifications';
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

export const PASSWORD = 'correct horse battery staple';

/** Reads the token of the newest `template` email to an address (the dev outbox by default). */
export type TokenReader = (email: string, template: 'verify-email' | 'password-reset') => Promise<string>;

export interface RegisterOptions {
  /** Sent with the registration (e.g. an X-Forwarded-For). */
  headers?: Record<string, string>;
  /** Where the verification token is read: a spec whose emails go out over SMTP reads its peer. */
  readToken?: TokenReader;
}

/** Registers `email` and confirms it with the token mailed to it: an account to log into. */
export async function registerAccount(platform: Platform, email: string, password = PASSWORD, { headers = {}, readToken }: RegisterOptions = {}): Promise<{ id: string }> {
  const registered = await platform.request('/auth/register', { method: 'POST', headers: { ...JSON_BODY, ...headers }, body: JSON.stringify({ email, password }) });
  if (registered.status !== 202) throw new Error(`register ${email}: ${registered.status} ${JSON.stringify(registered.body)}`);
  const token = await (readToken ?? ((to, template) => tokenMailedTo(platform, to, template)))(email, 'verify-email');
  const confirmed = await platform.request('/auth/register/confirm', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ token }) });
  if (confirmed.status !== 201) throw new Error(`confirm ${email}: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return confirmed.body as { id: string };
}

/** Every email in the dev outbox (newest first), asked of notifications directly: the gateway's /dev routes may be off. */
export async function outbox(platform: Platform): Promise<OutboxEmail[]> {
  const { enabled, emails } = await callDirectly(platform, NotificationsRpc.outbox, { limit: 1_000 });
  if (!enabled) throw new Error('notifications has no dev outbox (SMTP_URL is set): the token cannot be read');
  return emails;
}

/** The token of the newest `template` email to `email`, once it is in the dev outbox. */
export async function tokenMailedTo(platform: Platform, email: string, template: 'verify-email' | 'password-reset'): Promise<string> {
  const message = await waitFor(`a ${template} email to ${email}`, async () =>
    (await outbox(platform)).find((candidate) => candidate.to === email && candidate.template === template),
  );
  return tokenIn(message.text);
}

/** Registers `email` (see registerAccount) and logs in: the session cookie to send as `cookie`. */
export async function loginAs(platform: Platform, email: string, options: RegisterOptions = {}): Promise<string> {
  await registerAccount(platform, email, PASSWORD, options);
  const credentials = JSON.stringify({ email, password: PASSWORD });
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
 * The token in a verification or password-reset email's text: 43 base64url characters. Not
 * `\b…\b`: a token may start or end with `-`, which is no word character, and one in 32
 * would not be found.
 */
export function tokenIn(text: string): string {
  const token = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/.exec(text)?.[0];
  if (!token) throw new Error(`no token in the email: ${text}`);
  return token;
}
