import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineExceededError, runWithDeadline } from './deadline.js';
import { OverloadedError, WorkLimit } from './work-limit.js';

/** Work that takes `ms` and records how many ran at once. */
function tracked(ms: number) {
  let now = 0;
  let most = 0;
  const work = async () => {
    now += 1;
    most = Math.max(most, now);
    await sleep(ms);
    now -= 1;
    return 'done';
  };
  return { work, most: () => most };
}

const outcomes = (settled: PromiseSettledResult<unknown>[]) =>
  settled.map((result) => (result.status === 'fulfilled' ? 'done' : (result.reason as Error).name));

describe('WorkLimit', () => {
  it('runs at most `concurrency` at once, and every piece once a slot frees in time', async () => {
    const limit = new WorkLimit({ concurrency: 2, maxWaitMs: 1_000, maxWaiting: 4 });
    const { work, most } = tracked(30);
    const settled = await Promise.allSettled(Array.from({ length: 6 }, () => limit.run('hashing', work)));
    expect(outcomes(settled)).toEqual(Array(6).fill('done'));
    expect(most()).toBe(2);
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses, fast, what would wait longer than maxWaitMs: nothing of it runs', async () => {
    const limit = new WorkLimit({ concurrency: 1, maxWaitMs: 50, retryAfterSeconds: 2 });
    let ran = 0;
    const work = async () => {
      ran += 1;
      await sleep(200);
    };
    const started = Date.now();
    const [first, second] = await Promise.allSettled([limit.run('hashing', work), limit.run('hashing', work)]);
    expect(first.status).toBe('fulfilled');
    const refusal = (second as PromiseRejectedResult).reason as OverloadedError;
    expect(refusal).toBeInstanceOf(OverloadedError);
    expect(refusal.retryAfterSeconds).toBe(2);
    expect(ran).toBe(1);
    // It waited for the running work (200 ms), less the few ms a timer can fire early by the
    // clock: Node counts it from the event loop's cached time.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses at once what finds the line full', async () => {
    const limit = new WorkLimit({ concurrency: 1, maxWaitMs: 1_000, maxWaiting: 1 });
    const { work } = tracked(400);
    const started = Date.now();
    // Refused before the running work ends (400 ms), with room for a pause of a loaded machine.
    const settled = await Promise.allSettled([limit.run('a', work), limit.run('b', work), limit.run('c', work).finally(() => expect(Date.now() - started).toBeLessThan(200))]);
    expect(outcomes(settled)).toEqual(['done', 'done', 'OverloadedError']);
  });

  it('never waits past the request\'s deadline less the reserve, and never starts what could not finish', async () => {
    const limit = new WorkLimit({ concurrency: 1, maxWaitMs: 5_000, reserveMs: 100 });
    const { work } = tracked(200);
    const settled = await runWithDeadline(Date.now() + 250, () =>
      Promise.allSettled([limit.run('hashing', work), limit.run('hashing', work)]),
    );
    // The second could start at 200 ms at the earliest, with 50 left, less than its reserve:
    // its wait was cut to 250 - 100 = 150 ms, so it is refused then, not after the 5 s wait.
    expect(outcomes(settled)).toEqual(['done', 'OverloadedError']);
    const late = await runWithDeadline(Date.now() + 50, () => limit.run('hashing', work).catch((error: unknown) => error));
    expect(late).toBeInstanceOf(DeadlineExceededError);
  });
});
