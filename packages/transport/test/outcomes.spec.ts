import { setTimeout as sleep } from 'node:timers/promises';
import { HttpException } from '@nestjs/common';
import { defineRpc } from '@platform/contracts';
import { BLOCK_PAST_COMMAND_TIMEOUT_MS, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { unansweredCaller } from './unanswered-caller.js';

const Create = defineRpc('shop', 'create', { request: z.object({ name: z.string() }), response: z.object({}) });

/** The HTTP status and message a failed call maps to. */
async function failure(call: Promise<unknown>): Promise<{ status: number; message: string }> {
  const error: unknown = await call.then(
    () => new Error('the call answered'),
    (failed: unknown) => failed,
  );
  if (!(error instanceof HttpException)) throw error;
  return { status: error.getStatus(), message: error.message };
}

// A 503 tells the client that nothing was sent, so it may simply retry; that must be true.
// Real Redis and a real Streams client (no server: only whether the request got stored matters).
describe('what a failed call says happened', () => {
  const caller = unansweredCaller('outcomes-test', 5_000);

  it('answers 504 "outcome unknown", not 503, when Redis took the request but did not confirm it in time', async () => {
    // Redis stalls longer than the command timeout (2 s): the XADD is written, unanswered.
    const busy = caller.redis.block(BLOCK_PAST_COMMAND_TIMEOUT_MS);
    await sleep(100);
    const outcome = await failure(caller.client.call(Create, { name: 'lamp' }));
    expect(outcome).toEqual({ status: 504, message: expect.stringMatching(/did not confirm shop.create: outcome unknown/) });
    await busy;
    // Which was right: Redis stored it once it was free again.
    expect(await caller.stored(Create.pattern)).toBe(1);
  }, 15_000);

  it('answers 503 when nothing was sent: Redis is down', async () => {
    await caller.redis.kill();
    const [command] = caller.streams.unwrap<[Redis]>();
    await waitFor('the client to notice', () => command.status !== 'ready');
    try {
      const outcome = await failure(caller.client.call(Create, { name: 'lamp' }));
      expect(outcome).toEqual({ status: 503, message: expect.stringMatching(/unavailable/) });
    } finally {
      await caller.redis.start();
    }
  }, 30_000);

  it('closes while Redis is away without hanging (a shutdown during an outage)', async () => {
    await caller.redis.kill();
    const [command] = caller.streams.unwrap<[Redis]>();
    await waitFor('the client to notice', () => command.status !== 'ready');
    const started = Date.now();
    await caller.streams.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    await caller.redis.start();
  }, 30_000);
});
