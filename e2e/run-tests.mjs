#!/usr/bin/env node
// `npm test` of the e2e workspace: the platform's tests, and beside them, at the lowest CPU
// priority, the template's (test/template/: the generator and make strip-examples, each run in
// a copy of the repository). With arguments it is plain jest: `npm test -- test/x.e2e-spec.ts`.
//
// Why two runs: the platform's tests start whole platforms and time what they do (failovers,
// deadlines, overload, shutdowns), and leave about 40% of a 2-core machine idle while they wait.
// The template's tests only build, lint and test a copy: they need CPU, not timing. One after
// the other, they added 2.5-3 minutes to make test. Niced beside the platform's, they run on the
// CPU those leave idle and give it back as soon as a platform wants it, so the timed tests see
// the machine they saw alone. Their output is held and printed once the platform's run ends,
// so neither log is interleaved with the other.
import { spawn } from 'node:child_process';

const JEST_NODE_OPTIONS = '--experimental-vm-modules --disable-warning=ExperimentalWarning';
const TEMPLATE_TESTS = 'test/template/';

/** Runs jest with `args`; resolves to its exit code. `held` collects its output instead of printing it. */
function jest(args, { nice = false, held } = {}) {
  const command = nice ? ['nice', '-n', '19', 'jest', ...args] : ['jest', ...args];
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, NODE_OPTIONS: JEST_NODE_OPTIONS },
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

const args = process.argv.slice(2);
if (args.length > 0) process.exit(await jest(args));

const templateOutput = [];
console.log(`e2e: the template's tests (${TEMPLATE_TESTS}) run beside the platform's at the lowest CPU priority; their output follows.`);
const [platform, template] = await Promise.all([
  jest(['--testPathIgnorePatterns', '/node_modules/', '/dist/', TEMPLATE_TESTS]),
  jest([TEMPLATE_TESTS], { nice: true, held: templateOutput }),
]);
process.stdout.write(`\ne2e: the template's tests (${TEMPLATE_TESTS}):\n`);
for (const chunk of templateOutput) process.stdout.write(chunk);
const outcome = (code) => (code === 0 ? 'passed' : `FAILED (exit ${code})`);
console.log(`\ne2e: platform tests ${outcome(platform)}; template tests ${outcome(template)}.`);
process.exit(platform || template);
