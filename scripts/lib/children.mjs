// Child processes for the developer scripts (make dev, make monitor): each in its own
// process group, output prefixed by name (JSON log lines made readable), stopped in order.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { prettyFactory } from 'pino-pretty';

const COLORS = [36, 33, 35, 32, 34, 31, 90];
const pretty = prettyFactory({ colorize: process.stdout.isTTY, ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss.l', singleLine: true });

export const children = [];
export const state = { stopping: false };

export function say(message) {
  process.stdout.write(`\u001b[1m[dev]\u001b[0m ${message}\n`);
}

function pipeLines(name, color, stream) {
  const prefix = `\u001b[${color}m${name.padEnd(16)}\u001b[0m│ `;
  createInterface({ input: stream }).on('line', (line) => {
    const text = line.startsWith('{') ? pretty(line).trimEnd() : line;
    process.stdout.write(`${prefix}${text}\n`);
  });
}

/** Starts a child in its own process group, so Ctrl-C reaches it only through us, in order. */
export function start(name, command, args, options = {}) {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const color = COLORS[children.length % COLORS.length];
  pipeLines(name, color, child.stdout);
  pipeLines(name, color, child.stderr);
  const entry = { name, child, exited: new Promise((resolve) => child.once('exit', resolve)) };
  child.once('exit', (code, signal) => {
    if (!state.stopping) say(`${name} exited (${signal ?? `code ${code}`})`);
  });
  children.push(entry);
  return entry;
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to each group, SIGKILL after `timeoutMs`, then reap whatever is left. */
export async function stopEntries(entries, timeoutMs) {
  for (const { child } of entries) signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => entries.forEach(({ child }) => signalGroup(child, 'SIGKILL')), timeoutMs);
  await Promise.all(entries.map((entry) => entry.exited));
  clearTimeout(timer);
  // `node --watch` forwards the signal to the app; reap anything left in the groups.
  for (const { child } of entries) signalGroup(child, 'SIGKILL');
}

/**
 * Stops everything on Ctrl-C (and SIGTERM/SIGHUP): `last` (e.g. Redis) after the others.
 * Output errors are ignored so the cleanup runs even when the terminal pipe is gone.
 */
export function stopAllOnSignals({ last } = {}) {
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const stopAll = async () => {
    if (state.stopping) return;
    state.stopping = true;
    say(last ? `stopping: everything else first, then ${last}` : 'stopping');
    const lastEntry = children.find((entry) => entry.name === last);
    await stopEntries(children.filter((entry) => entry !== lastEntry), 15_000);
    if (lastEntry) await stopEntries([lastEntry], 10_000);
    say('everything stopped');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stopAll);
  return stopAll;
}

/** Whether `binary --version` runs. */
export async function hasBinary(binary) {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync(binary, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
