import { freePort, RedisServer } from '@platform/testing';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { loadNotificationsConfig } from '../src/config.js';
import { EmailKeys } from '../src/email/email.constants.js';
import { EmailDelivery } from '../src/email/email-delivery.service.js';
import { OutboxMailTransport, SmtpMailTransport } from '../src/email/mail-transport.js';

const email = { template: 'back-in-stock', to: 'ana@example.com', data: { productId: 'p-1', productName: 'Teapot', stock: 2 } } as const;

describe('EmailDelivery (real Redis)', () => {
  let server: RedisServer;
  let redis: Redis;
  const config = () => loadNotificationsConfig({ REDIS_URL: server.url, MAIL_FROM: 'Shop <shop@example.test>' });

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = server.client();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.destroy();
  });

  const outbox = (max = 100) => new OutboxMailTransport(redis, EmailKeys.outbox, max);

  describe('into the outbox', () => {
    beforeEach(async () => {
      await redis.flushdb();
    });

    it('delivers a job once, however often it runs', async () => {
      const delivery = new EmailDelivery(outbox(), config());
      expect(await delivery.deliver('job-1', email)).toBe('sent');
      expect(await delivery.deliver('job-1', email)).toBe('already-sent');
      const { emails } = await outbox().readOutbox(10);
      expect(emails).toEqual([
        expect.objectContaining({ jobId: 'job-1', to: 'ana@example.com', messageId: '<job-1@example.test>', from: 'Shop <shop@example.test>' }),
      ]);
      expect(await redis.exists(EmailKeys.sending('job-1'))).toBe(0);
    });

    it('sends once when two attempts of one job run at the same time', async () => {
      const delivery = new EmailDelivery(outbox(), config());
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => delivery.deliver('job-2', email)));
      const sent = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value === 'sent');
      expect(sent).toHaveLength(1);
      const described = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : String(outcome.reason)));
      for (const outcome of described) expect(outcome).toMatch(/^(sent|already-sent|Error: job job-2 is being sent by another attempt right now)$/);
      expect((await outbox().readOutbox(10)).emails).toHaveLength(1);
    });

    it('does not write while an SMTP attempt holds the claim, and writes once it is gone', async () => {
      const delivery = new EmailDelivery(outbox(), config());
      await redis.set(EmailKeys.sending('job-3'), 'another attempt', 'PX', 30_000);
      await expect(delivery.deliver('job-3', email)).rejects.toThrow('job job-3 is being sent by another attempt right now');
      expect(await redis.exists(EmailKeys.sent('job-3'))).toBe(0);
      expect((await outbox().readOutbox(10)).emails).toHaveLength(0);
      await redis.del(EmailKeys.sending('job-3'));
      expect(await delivery.deliver('job-3', email)).toBe('sent');
    });

    it('keeps the newest OUTBOX_MAX_EMAILS emails', async () => {
      const delivery = new EmailDelivery(outbox(3), config());
      for (let i = 1; i <= 5; i++) await delivery.deliver(`job-${i}`, email);
      expect((await outbox().readOutbox(10)).emails.map(({ jobId }) => jobId)).toEqual(['job-5', 'job-4', 'job-3']);
    });
  });

  describe('over SMTP', () => {
    let peer: SMTPServer;
    let reply: number | undefined;
    let port: number;
    /** The Message-ID of every email the peer accepted. */
    const accepted: string[] = [];

    beforeAll(async () => {
      port = await freePort();
      peer = new SMTPServer({
        logger: false,
        authOptional: true,
        disabledCommands: ['AUTH', 'STARTTLS'],
        onRcptTo: (_address, _session, callback) =>
          callback(reply ? Object.assign(new Error(`refused with ${reply}`), { responseCode: reply }) : undefined),
        onData: (stream, _session, callback) => {
          let message = '';
          stream.on('data', (chunk: Buffer) => (message += chunk.toString()));
          stream.on('end', () => {
            accepted.push(/^Message-ID: (.+)$/im.exec(message)?.[1]?.trim() ?? '');
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => peer.listen(port, '127.0.0.1', () => resolve()));
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => peer.close(() => resolve()));
    });

    async function attempt(jobId: string): Promise<unknown> {
      const transport = new SmtpMailTransport(`smtp://127.0.0.1:${port}`, redis);
      try {
        return await new EmailDelivery(transport, config()).deliver(jobId, email);
      } catch (error) {
        return error;
      } finally {
        await transport.close();
      }
    }

    it('fails a temporary refusal (4xx) for a retry, and a permanent one (5xx) for good; marks neither as sent', async () => {
      reply = 451;
      const temporary = await attempt('smtp-1');
      expect(temporary).toBeInstanceOf(Error);
      expect(temporary).not.toBeInstanceOf(UnrecoverableError);
      reply = 550;
      const permanent = await attempt('smtp-2');
      expect(permanent).toBeInstanceOf(UnrecoverableError);
      expect((permanent as Error).message).toMatch(/refused the email for good: 550/);
      expect(await redis.exists(EmailKeys.sent('smtp-1'), EmailKeys.sent('smtp-2'))).toBe(0);
    });

    it('marks an accepted email as sent and releases its claim', async () => {
      reply = undefined;
      expect(await attempt('smtp-3')).toBe('sent');
      expect(await redis.exists(EmailKeys.sent('smtp-3'))).toBe(1);
      expect(await redis.ttl(EmailKeys.sent('smtp-3'))).toBeGreaterThan(6 * 24 * 3_600);
      expect(await redis.exists(EmailKeys.sending('smtp-3'))).toBe(0);
      expect(await attempt('smtp-3')).toBe('already-sent');
    });

    it('sends once when attempts of one job run at the same time', async () => {
      reply = undefined;
      const before = accepted.length;
      const outcomes = await Promise.all(Array.from({ length: 4 }, () => attempt('smtp-4')));
      expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(1);
      for (const outcome of outcomes) expect(String(outcome)).toMatch(/^(sent|already-sent|Error: job smtp-4 is being sent by another attempt right now)$/);
      expect(accepted.slice(before).filter((id) => id === '<smtp-4@example.test>')).toHaveLength(1);
      expect(await redis.exists(EmailKeys.sending('smtp-4'))).toBe(0);
    });
  });
});
