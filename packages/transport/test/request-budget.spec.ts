import { HttpException } from '@nestjs/common';
import { defineRpc } from '@platform/contracts';
import { runWithDeadline } from '@platform/deadlines';
import { z } from 'zod';
import { unansweredCaller } from './unanswered-caller.js';

const Ping = defineRpc('silent', 'ping', { request: z.object({}), response: z.object({}) });

/** The status and elapsed ms of a call that must fail. */
async function failedCall(call: () => Promise<unknown>): Promise<{ status: number; message: string; elapsedMs: number }> {
  const started = Date.now();
  const error = await call().then(
    () => {
      throw new Error('the call answered');
    },
    (failure: unknown) => failure,
  );
  if (!(error instanceof HttpException)) throw error;
  return { status: error.getStatus(), message: error.message, elapsedMs: Date.now() - started };
}

// The calls of one request share its budget (the deadline @platform/deadlines carries): a
// call gets what is left of it, not its own full timeout, and none is sent once it is spent.
// Real Redis, a real Streams client, and no server for `silent`: a call can only time out.
describe('RpcClient under a request deadline', () => {
  const caller = unansweredCaller('budget-test', 2_000);
  const requestsSent = () => caller.stored(Ping.pattern);

  it('waits at most what is left of the request, not its own full timeout', async () => {
    const outcome = await runWithDeadline(Date.now() + 300, () => failedCall(() => caller.client.call(Ping, {})));
    expect(outcome.status).toBe(504);
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(250);
    expect(outcome.elapsedMs).toBeLessThan(1_000);
  });

  it('sends nothing once the budget is spent, and answers 504 at once', async () => {
    const before = await requestsSent();
    const outcome = await runWithDeadline(Date.now() - 1, () => failedCall(() => caller.client.call(Ping, {})));
    expect(outcome).toMatchObject({ status: 504, message: expect.stringMatching(/deadline passed before silent was called.*nothing was sent/) });
    expect(outcome.elapsedMs).toBeLessThan(50);
    expect(await requestsSent()).toBe(before);
  });

  it('keeps its own timeout outside a request', async () => {
    const outcome = await failedCall(() => caller.client.call(Ping, {}, { timeoutMs: 200 }));
    expect(outcome.status).toBe(504);
    expect(outcome.elapsedMs).toBeLessThan(1_000);
  });
});
