import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The file packages/jest-config/jest-beside.js creates once the timed tests it runs beside a
 * niced run have ended; set only in that niced run.
 */
export const TIMED_TESTS_DONE_ENV = 'JEST_BESIDE_TIMED_DONE';

/**
 * Resolves once the timed tests run beside this niced one have ended, at once when there are
 * none. For the timed part of a niced test (a drain bounded in seconds, say): at nice 19 it
 * gets almost no CPU while the others are busy, so it waits for the machine to be its own.
 */
export async function untilTimedTestsEnd(): Promise<void> {
  const marker = process.env[TIMED_TESTS_DONE_ENV];
  if (!marker) return;
  while (!existsSync(marker)) await sleep(500);
}
