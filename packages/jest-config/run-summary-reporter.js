import path from 'node:path';
import { writeSync } from 'node:fs';

/**
 * Prints, after jest's own summary and last of all, one line per failed test and the slowest test files.
 *
 * Why: CI keeps only the tail of a long log. Jest's default output ends with the last failure's
 * stack, which does not say which test it was, and the per-file times are scattered over
 * hundreds of lines. These last lines name the failure and show where the suite's time goes.
 */
const SLOWEST_FILES_SHOWN = 8;

/**
 * A test that fails before its cleanup can leave a process or a reconnecting client behind, and
 * jest then waits for it forever after the run: CI would end at its time limit instead of on
 * the failure. Past this grace the run ends with its own outcome, saying why. Not jest's
 * `forceExit`, which would also cut short the normal exit and hide leaks behind its warning.
 */
const EXIT_GRACE_MS = 30_000;

export default class RunSummaryReporter {
  constructor(globalConfig) {
    this.watching = globalConfig.watch || globalConfig.watchAll;
  }

  onRunComplete(_contexts, results) {
    if (!this.watching) endIfStillRunningAfterGrace(results.success);
    const lines = [];
    const relative = (file) => path.relative(process.cwd(), file);
    for (const file of results.testResults) {
      if (file.testExecError) lines.push(`FAILED ${relative(file.testFilePath)}: ${firstLine(file.testExecError.message)}`);
      for (const test of file.testResults) {
        if (test.status === 'failed') lines.push(`FAILED ${relative(file.testFilePath)} › ${test.fullName}: ${firstLine(test.failureMessages[0])}`);
      }
    }
    const slowest = results.testResults
      .map((file) => ({ file: relative(file.testFilePath), seconds: (file.perfStats.end - file.perfStats.start) / 1_000 }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, SLOWEST_FILES_SHOWN);
    if (results.testResults.length > 1) {
      lines.push(`slowest test files: ${slowest.map(({ file, seconds }) => `${file} ${seconds.toFixed(0)} s`).join(', ')}`);
    }
    // At exit, so that they come after jest's summary too (jest always runs it last), and with
    // a synchronous write to fd 2: jest exits right after, and it wraps process.stderr.
    if (lines.length > 0) process.once('exit', () => writeSync(2, `\n${lines.join('\n')}\n`));
  }
}

function endIfStillRunningAfterGrace(success) {
  const timer = setTimeout(() => {
    writeSync(2, `\njest had not exited ${EXIT_GRACE_MS / 1_000} s after the run: something a test started is still open (find it with --detectOpenHandles). Exiting.\n`);
    process.exit(success ? 0 : 1);
  }, EXIT_GRACE_MS);
  // Unref'd: it never keeps a finished run alive by itself.
  timer.unref();
}

function firstLine(message = '') {
  // Failure messages carry ANSI colours and start with the matcher's name on its own line.
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '');
  const meaningful = plain.split('\n').map((line) => line.trim()).filter(Boolean);
  return (meaningful.slice(0, 3).join(' ').slice(0, 300)) || 'no message';
}
