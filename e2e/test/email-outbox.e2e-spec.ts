import { randomUUID } from 'node:crypto';
import { waitFor } from '@platform/testing';
import { type Platform, startPlatform } from './platform.js';
import { ADMIN, ADMIN_TOKEN, createProduct, handled, loginAs, platformCounter, setStock, watch } from './shop.js';

interface OutboxEntry {
  jobId: string;
  template: string;
  messageId: string;
  to: string;
  subject: string;
  text: string;
}

describe.each(['redis-streams', 'redis'])('back-in-stock emails into the dev outbox over %s, and the queue admin routes (no SMTP_URL, DEV_ENDPOINTS=true)', (transport) => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ env: { RPC_TRANSPORT: transport }, gatewayEnv: { ADMIN_TOKEN, DEV_ENDPOINTS: 'true' } });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function outboxFor(productId: string): Promise<OutboxEntry[]> {
    const { status, body } = await platform.request('/dev/outbox?limit=1000');
    expect(status).toBe(200);
    expect(body.enabled).toBe(true);
    return (body.emails as OutboxEntry[]).filter((email) => email.text.includes(productId));
  }

  /** Waits until notifications has handled `count` more stock events than `before`. */
  function stockEventsHandled(before: number, count: number) {
    return waitFor(`notifications to handle ${count} stock event(s)`, async () => (await handled(platform, 'notifications', 'stock.updated', 'event')) >= before + count);
  }

  it('lets only a logged-in user watch, an existing product, by a valid id', async () => {
    const product = await createProduct(platform, { name: 'Watched', price: 5, stock: 0 });
    expect((await platform.request(`/products/${product.id}/watch`, { method: 'POST' })).status).toBe(401);
    const cookie = await loginAs(platform, `watcher-${randomUUID()}@example.com`);
    expect((await watch(platform, 'not-an-id', cookie)).status).toBe(400);
    expect((await watch(platform, randomUUID(), cookie)).status).toBe(404);
    expect((await watch(platform, product.id, cookie)).status).toBe(204);
  });

  it('watch -> stock 0 -> stock 5 sends exactly one "back in stock" email per watcher', async () => {
    const product = await createProduct(platform, { name: 'Lantern', price: 19.5, stock: 2 });
    const watchers = [`ana-${randomUUID()}@example.com`, `bo-${randomUUID()}@example.com`];
    for (const email of watchers) {
      const cookie = await loginAs(platform, email);
      expect((await watch(platform, product.id, cookie)).status).toBe(204);
      // Watching twice is one watch.
      expect((await watch(platform, product.id, cookie)).status).toBe(204);
    }
    const events = await handled(platform, 'notifications', 'stock.updated', 'event');

    expect((await setStock(platform, product.id, 0)).status).toBe(200);
    await stockEventsHandled(events, 1);
    expect(await outboxFor(product.id)).toEqual([]);

    expect((await setStock(platform, product.id, 5)).status).toBe(200);
    const emails = await waitFor('one email per watcher', async () => {
      const found = await outboxFor(product.id);
      return found.length >= watchers.length ? found : undefined;
    });
    expect(emails.map(({ to }) => to).sort()).toEqual([...watchers].sort());
    for (const email of emails) {
      expect(email).toMatchObject({ template: 'back-in-stock', subject: 'Lantern is back in stock' });
      expect(email.text).toContain('Lantern is back in stock (5 available)');
      expect(email.messageId).toBe(`<${email.jobId}@platform.local>`);
    }

    // More stock is no restock, and a restock after that finds nobody watching any more.
    expect((await setStock(platform, product.id, 9)).status).toBe(200);
    expect((await setStock(platform, product.id, 0)).status).toBe(200);
    expect((await setStock(platform, product.id, 3)).status).toBe(200);
    await stockEventsHandled(events, 5);
    const queue = await waitFor('the queue to be idle', async () => {
      const { body } = await platform.request('/admin/queues/api/queues', { headers: ADMIN });
      const counts = body.queues.find((q: { name: string }) => q.name === 'email').counts;
      return counts.waiting + counts.active + counts.delayed === 0 ? counts : undefined;
    });
    expect(queue.failed).toBe(0);
    expect(await outboxFor(product.id)).toHaveLength(watchers.length);
    // Every email this platform sent is in its outbox (fewer than OUTBOX_MAX_EMAILS), the
    // watchers' registration emails too: each counted once. Not a difference from a count read
    // before: the previous test's verification email may still be waiting for its counter
    // flush (500 ms) then, and would be counted in the difference.
    await waitFor('the emails to be counted', async () => {
      const { body } = await platform.request('/dev/outbox?limit=1000');
      return (await platformCounter(platform, 'platform_emails_total', { status: 'sent' })) === body.emails.length;
    });
  });

  async function restockWhileNotificationsIsDown(): Promise<{ productId: string; watcher: string }> {
    const product = await createProduct(platform, { name: 'Missed', price: 3, stock: 0 });
    const watcher = `missed-${randomUUID()}@example.com`;
    expect((await watch(platform, product.id, await loginAs(platform, watcher))).status).toBe(204);
    const notifications = platform.services.get('notifications');
    await notifications.stop();
    expect((await setStock(platform, product.id, 4)).status).toBe(200);
    platform.services.set('notifications', await notifications.respawn());
    return { productId: product.id, watcher };
  }

  /** Streams: the event waited in the stream; the email goes out once notifications is back. */
  async function emailedOnceBack(productId: string, watcher: string): Promise<void> {
    const emails = await waitFor('the email', async () => ((await outboxFor(productId)).length > 0 ? outboxFor(productId) : undefined));
    expect(emails.map(({ to }) => to)).toEqual([watcher]);
  }

  /** Pub/sub: the event is gone; the watcher is still watching and is emailed at the next restock. */
  async function lostThenEmailedAtNextRestock(productId: string, watcher: string): Promise<void> {
    const events = await handled(platform, 'notifications', 'stock.updated', 'event');
    expect((await setStock(platform, productId, 0)).status).toBe(200);
    expect(await outboxFor(productId)).toEqual([]);
    expect((await setStock(platform, productId, 6)).status).toBe(200);
    await stockEventsHandled(events, 2);
    const emails = await waitFor('the email', async () => ((await outboxFor(productId)).length > 0 ? outboxFor(productId) : undefined));
    expect(emails.map(({ to, text }) => [to, text.includes('(6 available)')])).toEqual([[watcher, true]]);
  }

  // What a subscriber that is down misses depends on the transport (see docs/example-domain.md).
  it(`handles a restock that happened while notifications was down: ${transport === 'redis' ? 'lost, the watcher is emailed at the next one' : 'emailed once it is back'}`, async () => {
    const { productId, watcher } = await restockWhileNotificationsIsDown();
    await (transport === 'redis' ? lostThenEmailedAtNextRestock : emailedOnceBack)(productId, watcher);
  });

  it('keeps Bull Board, its API and its static files behind the admin token', async () => {
    const page = await platform.request('/admin/queues');
    expect(page.status).toBe(401);
    expect(page.headers.get('www-authenticate')).toMatch(/^Basic realm="admin"/);
    expect(page.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect((await platform.request('/admin/queues', { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);

    const html = await platform.request('/admin/queues', { headers: ADMIN });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const script = /src="(static\/js\/[^"]+\.js)"/.exec(html.body as string)?.[1];
    expect(script).toBeDefined();
    expect((await platform.request(`/admin/queues/${script}`)).status).toBe(401);
    expect((await platform.request(`/admin/queues/${script}`, { headers: ADMIN })).status).toBe(200);

    // What a browser sends after the Basic prompt: any user name, the admin token as password.
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;
    expect((await platform.request('/admin/queues', { headers: { authorization: basic } })).status).toBe(200);
    const wrongBasic = `Basic ${Buffer.from('admin:nope').toString('base64')}`;
    expect((await platform.request('/admin/queues', { headers: { authorization: wrongBasic } })).status).toBe(401);

    expect((await platform.request('/admin/queues/api/queues')).status).toBe(401);
    const api = await platform.request('/admin/queues/api/queues', { headers: ADMIN });
    expect(api.status).toBe(200);
    expect(api.body.queues.map((queue: { name: string }) => queue.name)).toContain('email');
  });

  it('keeps the dead-letter routes behind the admin token and validates them', async () => {
    expect((await platform.request('/admin/queues/email/dead-letter')).status).toBe(401);
    expect((await platform.request('/admin/queues/email/dead-letter/replay', { method: 'POST' })).status).toBe(401);
    const list = await platform.request('/admin/queues/email/dead-letter', { headers: ADMIN });
    expect(list).toMatchObject({ status: 200, body: { queue: 'email', total: 0, jobs: [] } });
    expect((await platform.request('/admin/queues/email/dead-letter?limit=0', { headers: ADMIN })).status).toBe(400);
    const badReplay = await platform.request('/admin/queues/email/dead-letter/replay', {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: 'all' }),
    });
    expect(badReplay.status).toBe(400);
    const nothing = await platform.request('/admin/queues/email/dead-letter/replay', { method: 'POST', headers: ADMIN });
    expect(nothing).toMatchObject({ status: 200, body: { replayed: [], skipped: [], remaining: 0 } });
    // `email` is one queue of the platform's queue index; a name the index lacks is a 404.
    const unknown = await platform.request('/admin/queues/no-such-queue/dead-letter', { headers: ADMIN });
    expect(unknown).toMatchObject({ status: 404, body: { message: expect.stringMatching(/no queue "no-such-queue"/) } });
    expect((await platform.request('/admin/queues/no-such-queue/dead-letter/replay', { method: 'POST', headers: ADMIN })).status).toBe(404);
    expect((await platform.request('/admin/queues/not%20a%20name/dead-letter', { headers: ADMIN })).status).toBe(400);
  });
});
