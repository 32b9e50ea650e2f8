import { setTimeout as sleep } from 'node:timers/promises';
import { currentDeadline, DeadlineExceededError, deadlineSignal, remainingMs, runWithDeadline, throwIfExpired } from './deadline.js';

describe('the request deadline', () => {
  it('is there only inside runWithDeadline, across awaits and timers', async () => {
    expect(currentDeadline()).toBeUndefined();
    expect(remainingMs()).toBeUndefined();
    const deadline = Date.now() + 1_000;
    const seen = await runWithDeadline(deadline, async () => {
      await sleep(5);
      return new Promise<number | undefined>((resolve) => setTimeout(() => resolve(currentDeadline()), 5));
    });
    expect(seen).toBe(deadline);
    expect(currentDeadline()).toBeUndefined();
  });

  it('keeps concurrent requests apart', async () => {
    const now = Date.now();
    const [a, b] = await Promise.all([
      runWithDeadline(now + 100, async () => (await sleep(10), currentDeadline())),
      runWithDeadline(now + 200, async () => (await sleep(5), currentDeadline())),
    ]);
    expect([a, b]).toEqual([now + 100, now + 200]);
  });

  it('refuses an irreversible step once the deadline passed, or when less than its reserve is left', async () => {
    await runWithDeadline(Date.now() + 50, async () => {
      expect(() => throwIfExpired('hashing the password')).not.toThrow();
      expect(() => throwIfExpired('hashing the password', 200)).toThrow(/ms away, too close: hashing the password was not started/);
      await sleep(70);
      expect(() => throwIfExpired('hashing the password')).toThrow(DeadlineExceededError);
      expect(() => throwIfExpired('hashing the password')).toThrow(/passed \d+ ms ago: hashing the password was not started/);
    });
    // Outside a request with a deadline there is nothing to enforce.
    expect(() => throwIfExpired('anything', 1e9)).not.toThrow();
  });

  it('gives a signal that aborts when the deadline passes, made once per request', async () => {
    expect(deadlineSignal()).toBeUndefined();
    await runWithDeadline(Date.now() + 30, async () => {
      const signal = deadlineSignal()!;
      expect(deadlineSignal()).toBe(signal);
      expect(signal.aborted).toBe(false);
      await sleep(60);
      expect(signal.aborted).toBe(true);
    });
  });
});
