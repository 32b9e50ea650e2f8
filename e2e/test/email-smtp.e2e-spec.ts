import { randomUUID } from 'node:crypto';
import { EmailJobs, NotificationsQueues } from '@contracts/notifications';
import { waitFor } from '@platform/testing';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type Platform, startPlatform } from './platform.js';
import { ADMIN, ADMIN_TOKEN, createProduct, JSON_BODY, loginAs, platformCounter, setStock, tokenIn, watch } from './shop.js';
import { SmtpPeer } from './smtp-peer.js';

interface DeadLetter {
  id: string;
  name: string;
  attemptsMade: number;
  failedReason: string;
  failedAt: string;
}

describe('emails over SMTP: a real SMTP peer, retries, dead letters and replay, idempotent delivery, graceful close', () => {
  let peer: SmtpPeer;
  let platform: Platform;
  let connection: Redis;
  let queue: Queue;

  beforeAll(async () => {
    peer = await SmtpPeer.start();
    platform = await startPlatform({
      gatewayEnv: { ADMIN_TOKEN },
      // Short retries so a job exhausts its 3 attempts in well under a second.
      serviceEnv: { notifications: { SMTP_URL: peer.url, MAIL_FROM: 'Shop <shop@example.test>', EMAIL_ATTEMPTS: '3', EMAIL_BACKOFF_MS: '100' } },
    });
    // The test's own handle on the queue, for what only an operator or a bug would do.
    connection = new Redis(platform.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue(NotificationsQueues.email.name, { connection });
  }, 120_000);

  afterAll(async () => {
    await queue?.close();
    connection?.disconnect();
    await platform?.stop();
    await peer?.stop();
  });

  /**
   * A product watched by `emails`, whose stock then goes to 0 and to 5. Each watcher registers
   * first, with the peer accepting mail whatever its mode (the token comes in its verification
   * email), and the peer then forgets that email: the tests count the restock's.
   */
  async function restockWatchedBy(emails: readonly string[]): Promise<void> {
    const product = await createProduct(platform, { name: `Restocked ${randomUUID().slice(0, 8)}`, price: 7, stock: 2 });
    const mode = peer.mode;
    peer.mode = 'accept';
    for (const email of emails) {
      const cookie = await loginAs(platform, email, { readToken: verificationTokenAtPeer });
      expect((await watch(platform, product.id, cookie)).status).toBe(204);
      peer.forget(email);
    }
    peer.mode = mode;
    expect((await setStock(platform, product.id, 0)).status).toBe(200);
    expect((await setStock(platform, product.id, 5)).status).toBe(200);
  }

  async function verificationTokenAtPeer(address: string): Promise<string> {
    const email = await waitFor(`the verification email to ${address}`, () => peer.receivedBy(address).find((received) => received.subject === 'Confirm your email address'));
    return tokenIn(email.text);
  }

  /** The dead letter of the email to `address` as the admin route lists it, found by id: the route shows no job data. */
  async function deadLetterFor(address: string): Promise<DeadLetter | undefined> {
    const failed = (await queue.getFailed()).find((job) => job.data.to === address);
    if (!failed) return undefined;
    const { status, body } = await platform.request('/admin/queues/email/dead-letter?limit=1000', { headers: ADMIN });
    expect(status).toBe(200);
    return (body.jobs as DeadLetter[]).find(({ id }) => id === failed.id);
  }

  function replay(body?: unknown) {
    return platform.request('/admin/queues/email/dead-letter/replay', {
      method: 'POST',
      headers: body === undefined ? ADMIN : { ...ADMIN, ...JSON_BODY },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function completedJobFor(address: string): Promise<Job> {
    return waitFor(`the job for ${address} to complete`, async () => (await queue.getCompleted()).find((job) => job.data.to === address));
  }

  it('sends "back in stock" over SMTP, one email per watcher, with a deterministic Message-ID', async () => {
    const watchers = [`smtp-a-${randomUUID()}@example.com`, `smtp-b-${randomUUID()}@example.com`];
    await restockWatchedBy(watchers);
    await waitFor('both emails at the SMTP peer', () => watchers.every((address) => peer.receivedBy(address).length === 1));
    for (const address of watchers) {
      const [email] = peer.receivedBy(address);
      expect(email!.subject).toMatch(/^Restocked \w+ is back in stock$/);
      expect(email!.text).toContain('is back in stock (5 available)');
      const job = await completedJobFor(address);
      expect(job.returnvalue).toBe('sent');
      expect(email!.messageId).toBe(`<${job.id}@example.test>`);
    }
  });

  it('retries a refusal for now (451), dead-letters the job after its attempts, and delivers it on replay', async () => {
    const address = `busy-${randomUUID()}@example.com`;
    const failedBefore = await platformCounter(platform, 'platform_emails_total', { status: 'failed' });
    peer.mode = 'busy';
    await restockWatchedBy([address]);

    const dead = await waitFor('the job to be dead-lettered', () => deadLetterFor(address));
    expect(dead).toEqual({ id: expect.any(String), name: EmailJobs.send, attemptsMade: 3, failedReason: expect.stringMatching(/451/), failedAt: expect.any(String) });
    // The job's data (the address, a reset token) stays in Redis: the route does not echo it.
    expect(JSON.stringify(dead)).not.toContain(address);
    expect(peer.attemptsFor(address)).toBe(3);
    expect(peer.receivedBy(address)).toEqual([]);
    await waitFor('the failure to be counted', async () => (await platformCounter(platform, 'platform_emails_total', { status: 'failed' })) === failedBefore + 1);

    peer.mode = 'accept';
    const replayed = await replay({ ids: [dead.id] });
    expect(replayed).toMatchObject({ status: 200, body: { replayed: [dead.id], skipped: [], remaining: 0 } });
    await waitFor('the replayed email at the SMTP peer', () => peer.receivedBy(address).length === 1);
    expect(await deadLetterFor(address)).toBeUndefined();
    // No longer dead: a second replay finds nothing to do.
    expect((await replay({ ids: [dead.id] })).body).toMatchObject({ replayed: [], skipped: [dead.id] });
  });

  it('dead-letters a permanent refusal (550) at once, without retrying it', async () => {
    const address = `gone-${randomUUID()}@example.com`;
    peer.mode = 'reject';
    await restockWatchedBy([address]);
    const dead = await waitFor('the job to be dead-lettered', () => deadLetterFor(address));
    expect(dead).toMatchObject({ attemptsMade: 1, failedReason: expect.stringMatching(/refused the email for good.*550/) });
    expect(peer.attemptsFor(address)).toBe(1);

    // Once the cause is fixed, replaying every dead letter (no body) delivers it.
    peer.mode = 'accept';
    const replayed = await replay();
    expect(replayed.status).toBe(200);
    expect(replayed.body.replayed).toContain(dead.id);
    await waitFor('the replayed email at the SMTP peer', () => peer.receivedBy(address).length === 1);
  });

  it('never sends an email twice: a job run again after it was sent, or added again after it was removed', async () => {
    const address = `once-${randomUUID()}@example.com`;
    await restockWatchedBy([address]);
    const job = await completedJobFor(address);
    await waitFor('the email at the SMTP peer', () => peer.receivedBy(address).length === 1);

    // An operator retries the completed job (Bull Board can): it runs, and skips the send.
    await job.retry('completed');
    await waitFor('the retried job to complete', async () => (await queue.getJob(job.id!))?.returnvalue === 'already-sent');

    // The job is gone from BullMQ (removeOnComplete), and its producer adds the same id again.
    await (await queue.getJob(job.id!))!.remove();
    await queue.add(EmailJobs.send, job.data, { jobId: job.id });
    await waitFor('the re-added job to complete', async () => (await queue.getJob(job.id!))?.returnvalue === 'already-sent');
    expect(peer.receivedBy(address)).toHaveLength(1);
  });

  it('dead-letters a job that is not a valid email, or has no handler, without retrying it', async () => {
    const invalid = await queue.add(EmailJobs.send, { template: 'nope', to: 'x' }, { attempts: 3 });
    const unknown = await queue.add('explode', { template: 'back-in-stock' }, { attempts: 3 });
    await waitFor('both jobs to fail', async () => (await invalid.getState()) === 'failed' && (await unknown.getState()) === 'failed');
    const [invalidJob, unknownJob] = await Promise.all([queue.getJob(invalid.id!), queue.getJob(unknown.id!)]);
    expect(invalidJob).toMatchObject({ attemptsMade: 1, failedReason: expect.stringMatching(/^invalid email job: /) });
    expect(unknownJob).toMatchObject({ attemptsMade: 1, failedReason: 'no handler for job "explode" on the email queue' });
    await Promise.all([invalidJob!.remove(), unknownJob!.remove()]);
  });

  it('has no /dev/outbox unless DEV_ENDPOINTS=true', async () => {
    expect((await platform.request('/dev/outbox')).status).toBe(404);
  });

  it('finishes the email it is sending before it stops on SIGTERM (graceful close)', async () => {
    const address = `slow-${randomUUID()}@example.com`;
    peer.mode = { slowMs: 1_500 };
    await restockWatchedBy([address]);
    await waitFor('the SMTP peer to be receiving', () => peer.receiving);

    const exit = await platform.services.get('notifications').stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(peer.receivedBy(address)).toHaveLength(1);
    const job = (await queue.getCompleted()).find(({ data }) => data.to === address);
    expect(job?.returnvalue).toBe('sent');
  });
});
