import { Controller, type INestMicroservice } from '@nestjs/common';
import { EventPattern, Payload, RpcException } from '@nestjs/microservices';
import { RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { StreamsClient } from '../src/index.js';
import { eventsKey } from './fixtures/work.controller.js';
import { startServer } from './support/harness.js';

/** Fails an event `failTimes` times, then handles it; attempts are counted per id. */
@Controller()
class FlakyController {
  static readonly attempts = new Map<string, number>();

  @EventPattern('work.flaky')
  flaky(@Payload() event: { id: string; failTimes: number }): void {
    const attempt = (FlakyController.attempts.get(event.id) ?? 0) + 1;
    FlakyController.attempts.set(event.id, attempt);
    if (attempt <= event.failTimes) throw new Error(`attempt ${attempt} of ${event.id} fails`);
  }

  /** Refuses its payload, as a validation pipe does (a 4xx). */
  @EventPattern('work.refused')
  refused(@Payload() event: { id: string }): void {
    FlakyController.attempts.set(event.id, (FlakyController.attempts.get(event.id) ?? 0) + 1);
    throw new RpcException({ statusCode: 400, error: 'Bad Request', message: 'stock: expected a number' });
  }
}

type DeadLetter = Record<string, string>;

async function deadLetters(probe: Redis): Promise<DeadLetter[]> {
  const entries = await probe.xrange('streams:dead:work', '-', '+');
  return entries.map(([, fields]) => {
    const record: DeadLetter = {};
    for (let i = 0; i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
    return record;
  });
}

describe('entries a group cannot handle', () => {
  let redis: RedisServer;
  let probe: Redis;
  let app: INestMicroservice;
  let client: StreamsClient;
  const MAX_ENTRY_BYTES = 4_096;

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = redis.client();
    app = await startServer(
      { redisUrl: redis.url, service: 'work', replica: 'r1', delayMs: 0 },
      { maxEntryBytes: MAX_ENTRY_BYTES, claimIdleMs: 150, maxDeliveries: 3 },
      [FlakyController],
    );
    client = new StreamsClient({ redis: { url: redis.url }, name: 'caller' });
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    probe?.disconnect();
    await redis?.destroy();
  });

  it('sets garbage aside, acknowledges it, and keeps serving', async () => {
    const valid = { v: '1', id: 'x', replyTo: 'streams:inbox:someone', deadline: String(Date.now() + 60_000), headers: '{}', data: '{"id":"x"}' };
    const garbage: Array<[stream: string, fields: Record<string, string>, reason: string]> = [
      ['streams:rpc:work.do', { ...valid, data: '{"id":' }, 'bad-json'],
      ['streams:rpc:work.do', { ...valid, headers: 'not json' }, 'bad-json'],
      ['streams:rpc:work.do', { hello: 'world' }, 'wrong-shape'],
      ['streams:rpc:work.do', { ...valid, deadline: 'tomorrow' }, 'wrong-shape'],
      ['streams:rpc:work.do', { ...valid, headers: '{"n":1}' }, 'wrong-shape'],
      // A reply address outside the inbox keys would let a writer make the service XADD anywhere.
      ['streams:rpc:work.do', { ...valid, replyTo: 'streams:rpc:work.do' }, 'wrong-shape'],
      ['streams:rpc:work.do', { ...valid, data: JSON.stringify({ id: 'x', pad: 'x'.repeat(MAX_ENTRY_BYTES) }) }, 'oversized'],
      ['streams:event:work.happened', { v: '1', headers: '{}', data: '[1,2' }, 'bad-json'],
      ['streams:event:work.happened', { v: '2', headers: '{}', data: '{}' }, 'wrong-shape'],
      ['streams:event:work.happened', { v: '1', headers: '{}', data: `"${'y'.repeat(MAX_ENTRY_BYTES)}"` }, 'oversized'],
    ];
    const garbageIds = [];
    for (const [stream, fields] of garbage) garbageIds.push(await probe.xadd(stream, '*', ...Object.entries(fields).flat()));

    // The consumer is still serving, requests and events alike.
    await expect(lastValueFrom(client.send('work.do', { id: 'after-garbage' }))).resolves.toEqual({ id: 'after-garbage', replica: 'r1' });
    await lastValueFrom(client.emit('work.happened', { id: 'after-garbage' }), { defaultValue: undefined });
    await waitFor('the event after the garbage', async () => (await probe.hget(eventsKey('work'), 'after-garbage')) === '1');

    await waitFor('every garbage entry to be set aside', async () => (await deadLetters(probe)).length === garbage.length);
    const letters = await deadLetters(probe);
    expect(letters.map((letter) => [letter.stream, letter.reason])).toEqual(garbage.map(([stream, , reason]) => [stream, reason]));
    expect(letters.map((letter) => letter.id)).toEqual(garbageIds);
    for (const letter of letters) {
      expect(letter.group).toBe('work');
      expect(letter.detail).not.toBe('');
      expect(letter.fields!.length).toBeLessThanOrEqual(8 * 1024 + 20);
    }
    // Nothing stays pending: garbage is acknowledged, never retried.
    for (const stream of ['streams:rpc:work.do', 'streams:event:work.happened']) {
      expect((await probe.xpending(stream, 'work'))[0]).toBe(0);
    }
  });

  it('retries a failing event handler, then sets the event aside after maxDeliveries', async () => {
    await lastValueFrom(client.emit('work.flaky', { id: 'recovers', failTimes: 2 }), { defaultValue: undefined });
    await lastValueFrom(client.emit('work.flaky', { id: 'never', failTimes: 99 }), { defaultValue: undefined });

    await waitFor('the poison event to be set aside', async () =>
      (await deadLetters(probe)).some((letter) => letter.stream === 'streams:event:work.flaky'),
    );
    await waitFor('nothing pending', async () => (await probe.xpending('streams:event:work.flaky', 'work'))[0] === 0);
    // Handled on its third delivery, then acknowledged: not retried again.
    expect(FlakyController.attempts.get('recovers')).toBe(3);
    // Three deliveries failed; the fourth went to the dead-letter stream instead of the handler.
    expect(FlakyController.attempts.get('never')).toBe(3);
    const poison = (await deadLetters(probe)).filter((letter) => letter.stream === 'streams:event:work.flaky');
    expect(poison).toHaveLength(1);
    expect(poison[0]).toMatchObject({ reason: 'max-deliveries' });
    expect(poison[0]!.fields).toContain('never');
  });

  it('sets an event its handler refuses (a 4xx) aside at once, without retrying it', async () => {
    await lastValueFrom(client.emit('work.refused', { id: 'invalid' }), { defaultValue: undefined });
    await waitFor('the refused event to be set aside', async () =>
      (await deadLetters(probe)).some((letter) => letter.stream === 'streams:event:work.refused'),
    );
    const letter = (await deadLetters(probe)).find((entry) => entry.stream === 'streams:event:work.refused');
    expect(letter).toMatchObject({ reason: 'rejected' });
    expect(letter!.detail).toContain('stock: expected a number');
    expect(FlakyController.attempts.get('invalid')).toBe(1);
    expect((await probe.xpending('streams:event:work.refused', 'work'))[0]).toBe(0);
  });
});
