import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIMED_TESTS_DONE_ENV, untilTimedTestsEnd } from './beside.js';

describe('untilTimedTestsEnd', () => {
  const saved = process.env[TIMED_TESTS_DONE_ENV];
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'beside-'));
  });

  afterEach(() => {
    if (saved === undefined) delete process.env[TIMED_TESTS_DONE_ENV];
    else process.env[TIMED_TESTS_DONE_ENV] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves at once outside a niced run', async () => {
    delete process.env[TIMED_TESTS_DONE_ENV];
    const started = Date.now();
    await untilTimedTestsEnd();
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('waits in a niced run until jest-beside says the timed tests ended', async () => {
    const marker = join(dir, 'timed-tests-done');
    process.env[TIMED_TESTS_DONE_ENV] = marker;
    let ended = false;
    const waiting = untilTimedTestsEnd().then(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(ended).toBe(false);
    writeFileSync(marker, '0');
    await waiting;
    expect(ended).toBe(true);
  });
});
