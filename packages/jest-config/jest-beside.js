#!/usr/bin/env node
/**
 * A workspace's jest as two runs at once: the test files under each `--niced <path>` at the
 * lowest CPU priority (nice 19), the others as usual. The niced run's output is held and
 * printed after the other's, so the two logs never interleave; the exit code fails when
 * either run failed. Any other argument (`npm test -- test/x.spec.ts`) makes it plain jest
 * with those arguments.
 *
 *   "test": "... && node ../packages/jest-config/jest-beside.js --niced test/template/"
 *
 * Why: the system tests start real processes and time what they do (failovers, deadlines,
 * drains), and leave a good part of a 2-core machine idle while they wait. Tests that only
 * need CPU, not timing (builds of a copy of the repository, chart renders), fill that idle
 * time when niced beside them, and give the CPU back whenever a timed test wants it: the
 * timed tests see the machine they would see alone, and the suite ends minutes sooner than
 * with the two one after the other. A niced test gets almost no CPU while the others are busy:
 * the timed part of one (a drain bounded in seconds, in a copy of the repository) first awaits
 * `untilTimedTestsEnd()` from @platform/testing, which resolves once the other run has ended
 * (this script then creates the file named by JEST_BESIDE_TIMED_DONE). The niced files run two
 * at a time, so one waiting there does not hold back the next.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import preset from './index.js';

/** The variable @platform/testing's untilTimedTestsEnd() reads (TIMED_TESTS_DONE_ENV there). */
const TIMED_TESTS_DONE_ENV = 'JEST_BESIDE_TIMED_DONE';

const JEST_NODE_OPTIONS = '--experimental-vm-modules --disable-warning=ExperimentalWarning';

/** Runs jest with `args`; resolves to its exit code. With `held`, its output is collected there instead of printed. */
function jest(args, { niced = false, held, env = {} } = {}) {
  const command = niced ? ['nice', '-n', '19', 'jest', ...args] : ['jest', ...args];
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, ...env, NODE_OPTIONS: JEST_NODE_OPTIONS },
    stdio: held ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  if (held) {
    child.stdout.on('data', (chunk) => held.push(chunk));
    child.stderr.on('data', (chunk) => held.push(chunk));
  }
  // Ctrl-C reaches the whole process group; a SIGTERM sent to this process alone (a CI runner,
  // turbo) is passed on, so no jest is left running.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(`${command.join(' ')}: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const niced = [];
const jestArgs = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--niced' && args[i + 1] !== undefined) niced.push(args[++i]);
  else jestArgs.push(args[i]);
}
if (jestArgs.length > 0 || niced.length === 0) process.exit(await jest(jestArgs));

const nicedOutput = [];
const what = niced.join(' ');
console.log(`jest-beside: ${what} run beside the other tests at the lowest CPU priority; their output follows.`);
const markerDir = mkdtempSync(join(tmpdir(), 'jest-beside-'));
const timedDone = join(markerDir, 'timed-tests-done');
const [timed, untimed] = await Promise.all([
  // The preset's ignore patterns stay: the flag replaces them rather than adding to them.
  jest(['--testPathIgnorePatterns', ...preset.testPathIgnorePatterns, ...niced]).then((code) => {
    writeFileSync(timedDone, String(code));
    return code;
  }),
  jest(['--maxWorkers=2', ...niced], { niced: true, held: nicedOutput, env: { [TIMED_TESTS_DONE_ENV]: timedDone } }),
]);
rmSync(markerDir, { recursive: true, force: true });
process.stdout.write(`\njest-beside: ${what}:\n`);
for (const chunk of nicedOutput) process.stdout.write(chunk);
const outcome = (code) => (code === 0 ? 'passed' : `FAILED (exit ${code})`);
console.log(`\njest-beside: the other tests ${outcome(timed)}; ${what} ${outcome(untimed)}.`);
process.exit(timed || untimed);
