import { Controller, type INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { encodeRequest } from '../src/envelope.js';
import { isStreamsTransportError, type SendOptions, StreamsClient } from '../src/index.js';
import { enqueueRemembered, forgetRunning, runningRecord } from '../src/request-memory.js';
import { handledKey } from './fixtures/work.controller.js';
import { outcome, startServer } from './support/harness.js';

const keyPrefix = 'mem';

@Controller()
class ReadController {
  /** Declared read-only: its repeats may run again, so nothing is remembered for it. */
  @MessagePattern('work.read', { readOnly: true })
  read(@Payload() request: { id: string }): { id: string } {
    return request;
  }
}

const send = (client: StreamsClient, pattern: string, data: unknown, options: SendOptions) => outcome(client.send(pattern, data, options));
/** Where the server remembers a request id of a pattern. */
const memoryOf = (pattern: string, requestId: string) => `${keyPrefix}:handled:${pattern}:${requestId}`;

/** The entry of a request while it is pending (being handled), as Redis holds it. */
async function pendingEntry(probe: Redis, stream: string): Promise<string[]> {
  return waitFor(`a pending entry in ${stream}`, async () => {
    const [entry] = (await probe.xrange(stream, '-', '+')) as Array<[string, string[]]>;
    return entry?.[1];
  });
}

describe('each request handled once, whoever repeats it', () => {
  let redis: RedisServer;
  let probe: Redis;
  let app: INestMicroservice;
  let first: StreamsClient;
  let second: StreamsClient;

  const handled = async (id: string) => Number((await probe.hget(handledKey, id)) ?? 0);
  /** What the second client answered without sending, as `<pattern> <answer>` (see onRepeat). */
  const repeats: string[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = redis.client();
    app = await startServer({ redisUrl: redis.url, service: 'work', replica: 'r1', delayMs: 0 }, { keyPrefix }, [ReadController]);
    first = new StreamsClient({ redis: { url: redis.url }, keyPrefix, name: 'first' });
    second = new StreamsClient({ redis: { url: redis.url }, keyPrefix, name: 'second' });
    second.onRepeat((pattern, answer) => repeats.push(`${pattern} ${answer}`));
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await app?.close();
    probe?.disconnect();
    await redis?.destroy();
  });

  it('handles a request sent twice (an ioredis resend) once: the resend appends nothing, and after the answer gets the reply', async () => {
    const call = send(first, 'work.do', { id: 'resent', delayMs: 300 }, { requestId: 'resent-1' });
    const stream = `${keyPrefix}:rpc:work.do`;
    const fields = await pendingEntry(probe, stream);
    // The same command again while the first is handled, as ioredis resends one whose answer
    // was lost with its connection.
    const resend = () =>
      enqueueRemembered(probe, {
        stream,
        memoryKey: memoryOf('work.do', 'resent-1'),
        replyTo: fields[fields.indexOf('replyTo') + 1]!,
        deadline: Date.now() + 5_000,
        claimIdleMs: 5_000,
        entry: ['*', ...fields],
      });
    expect(await resend()).toEqual({ appended: false, admission: { kind: 'duplicate' } });
    expect(await probe.xlen(stream)).toBe(1);
    expect(await call).toEqual({ ok: true, value: { id: 'resent', replica: 'r1' } });
    expect(await handled('resent')).toBe(1);
    expect(await probe.xpending(stream, 'work')).toEqual([0, null, null, null]);

    // A resend that arrives after the answer gets the answer: still handled once.
    expect(await resend()).toEqual({ appended: false, admission: { kind: 'replay', replies: [expect.stringContaining('"replica":"r1"')] } });
    expect(await probe.xlen(stream)).toBe(0);
    expect(await handled('resent')).toBe(1);
  });

  it('handles a request a caller of the previous version appended twice once: the server asks the memory itself', async () => {
    const stream = `${keyPrefix}:rpc:work.do`;
    const fields = encodeRequest(
      { id: 'legacy-1', replyTo: `${keyPrefix}:replies:legacy-caller`, deadline: Date.now() + 5_000, keepReplyMs: 0, headers: {}, data: { id: 'legacy', delayMs: 200 } },
      10_000,
      'request',
    );
    expect(fields).not.toContain('memory');
    await probe.xadd(stream, '*', ...fields);
    await probe.xadd(stream, '*', ...fields);
    await waitFor('both copies to be taken', async () => ((await probe.xlen(stream)) === 0 && (await probe.llen(`${keyPrefix}:replies:legacy-caller`)) === 1) || undefined);
    expect(await handled('legacy')).toBe(1);
  });

  it('forgets the id of a request dropped for its deadline, so a retry under it runs, but never a newer record', async () => {
    const stream = `${keyPrefix}:rpc:work.do`;
    const replyTo = `${keyPrefix}:replies:late-caller`;
    const memoryKey = memoryOf('work.do', 'late-1');
    const deadline = Date.now() - 1;
    const request = { id: 'late-1', replyTo, deadline, keepReplyMs: 0, memory: 'recorded' as const, headers: {}, data: { id: 'late' } };
    const enqueued = await enqueueRemembered(probe, { stream, memoryKey, replyTo, deadline, claimIdleMs: 5_000, entry: ['*', ...encodeRequest(request, 10_000, 'request')] });
    expect(enqueued).toMatchObject({ appended: true });
    await waitFor('the expired request to be dropped', async () => (await probe.xlen(stream)) === 0 || undefined);
    await waitFor('its id to be forgotten', async () => (await probe.exists(memoryKey)) === 0 || undefined);
    expect(await handled('late')).toBe(0);
    expect(await send(first, 'work.do', { id: 'late' }, { requestId: 'late-1' })).toEqual({ ok: true, value: { id: 'late', replica: 'r1' } });
    expect(await handled('late')).toBe(1);

    // The record of another entry (a retry recorded after this one's expired) stays.
    const [, ...forget] = forgetRunning(memoryKey, '1-1', replyTo);
    await probe.set(memoryKey, runningRecord('2-2', replyTo));
    expect(await probe.call('EVAL', ...forget)).toBe(0);
    await probe.set(memoryKey, runningRecord('1-1', replyTo));
    expect(await probe.call('EVAL', ...forget)).toBe(1);
  });

  it('answers a retry under the same id, from another caller, with the first reply, without running the handler', async () => {
    const options = { requestId: 'retried-1', keepReplyMs: 60_000 };
    const answer = await send(first, 'work.do', { id: 'retried' }, options);
    expect(answer).toEqual({ ok: true, value: { id: 'retried', replica: 'r1' } });
    expect(await send(second, 'work.do', { id: 'retried' }, options)).toEqual(answer);
    expect(await handled('retried')).toBe(1);
    expect(repeats.splice(0)).toEqual(['work.do replayed']);
    // Kept as long as the caller asked, past its deadline.
    expect(await probe.pttl(memoryOf('work.do', 'retried-1'))).toBeGreaterThan(60_000);
  });

  it('refuses another caller\'s request under an id being handled with 409, running nothing', async () => {
    const running = send(first, 'work.do', { id: 'contended', delayMs: 400 }, { requestId: 'contended-1' });
    await pendingEntry(probe, `${keyPrefix}:rpc:work.do`);
    const contender = await send(second, 'work.do', { id: 'contended' }, { requestId: 'contended-1' });
    expect(contender).toEqual({ ok: false, error: expect.objectContaining({ statusCode: 409, message: expect.stringMatching(/still being handled/) }) });
    expect(repeats.splice(0)).toEqual(['work.do in_progress']);
    expect(await running).toEqual({ ok: true, value: { id: 'contended', replica: 'r1' } });
    expect(await handled('contended')).toBe(1);
  });

  it('forgets an id whose answer says nothing was done (a refusal), and keeps a failure that may have done part', async () => {
    const refused = await send(first, 'work.fail', { kind: 'rpc' }, { requestId: 'refused-1', keepReplyMs: 60_000 });
    expect(refused).toEqual({ ok: false, error: expect.objectContaining({ statusCode: 409 }) });
    expect(await probe.exists(memoryOf('work.fail', 'refused-1'))).toBe(0);

    const crashed = await send(first, 'work.fail', { kind: 'crash' }, { requestId: 'crashed-1', keepReplyMs: 60_000 });
    expect(crashed.ok).toBe(false);
    expect(await probe.exists(memoryOf('work.fail', 'crashed-1'))).toBe(1);
    expect(await send(second, 'work.fail', { kind: 'crash' }, { requestId: 'crashed-1' })).toEqual(crashed);
  });

  it('records nothing for a random id, which cannot come again', async () => {
    const before = (await probe.keys(`${keyPrefix}:handled:work.do:*`)).length;
    expect(await send(first, 'work.do', { id: 'anonymous' }, {})).toEqual({ ok: true, value: { id: 'anonymous', replica: 'r1' } });
    expect(await probe.keys(`${keyPrefix}:handled:work.do:*`)).toHaveLength(before);
    expect(await handled('anonymous')).toBe(1);
  });

  it('keeps the reply of a chosen id only a little past its deadline unless asked for longer', async () => {
    await send(first, 'work.do', { id: 'short' }, { requestId: 'short-1', timeoutMs: 2_000 });
    const ttl = await probe.pttl(memoryOf('work.do', 'short-1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_000);
  });

  it('remembers nothing for a read-only handler', async () => {
    await expect(lastValueFrom(first.send('work.read', { id: 'looked-up' }, { requestId: 'read-1' }))).resolves.toEqual({ id: 'looked-up' });
    expect(await probe.keys(`${keyPrefix}:handled:work.read:*`)).toEqual([]);
  });

  it('refuses a second call under an id the same client still waits on, without sending it', async () => {
    const waiting = send(first, 'work.do', { id: 'twice', delayMs: 200 }, { requestId: 'twice-1' });
    const again = await send(first, 'work.do', { id: 'twice' }, { requestId: 'twice-1' });
    expect(again.ok === false && isStreamsTransportError(again.error, 'IN_PROGRESS')).toBe(true);
    expect(await waiting).toMatchObject({ ok: true });
    expect(await handled('twice')).toBe(1);
    await expect(lastValueFrom(first.send('work.do', { id: 'x' }, { requestId: 'y'.repeat(129) }))).rejects.toThrow(/1 to 128 characters/);
  });
});
