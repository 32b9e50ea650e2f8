import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess, waitFor } from '@platform/testing';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..', '..');
const fixturesDir = join(here, '..', 'fixtures');

/** A span as test/fixtures/span-file-exporter.js writes it. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status: { code: number; message?: string };
  attributes: Record<string, unknown>;
  events: string[];
  service: string;
  instanceId: string;
  scope: string;
}

/** OpenTelemetry's SpanKind values, as recorded. */
export const Kind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** The fixtures import the built package (as services do), so dist must be current. */
export function assertPackageBuilt(): void {
  if (!existsSync(join(packageRoot, 'dist', 'index.js'))) {
    throw new Error('@platform/telemetry is not built: run `npm run build` in packages/telemetry first');
  }
}

/**
 * Environment for a child process: the test's own minus jest's NODE_OPTIONS (the children
 * must run on Node's plain ESM loader, exactly like `node --enable-source-maps dist/main.js`)
 * and minus any OTEL_* the developer's shell carries.
 */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key !== 'NODE_OPTIONS' && !key.startsWith('OTEL_')),
  );
  return { ...base, ...env };
}

/** Starts `node --enable-source-maps <fixture script>` and waits for its `ready` line. */
export async function startFixture(script: string, env: Record<string, string>): Promise<ManagedProcess> {
  const child = ManagedProcess.spawn(process.execPath, ['--enable-source-maps', join(fixturesDir, script)], {
    cwd: fixturesDir,
    env: childEnv(env),
  });
  await waitFor(
    `${script} ${env.FIXTURE ?? ''} to be ready`,
    () => {
      if (child.output.text().includes('"ready"')) return true;
      if (child.hasExited) throw new Error(`exited before ready:\n${child.output.tail()}`);
      return false;
    },
    { timeoutMs: 20_000 },
  );
  return child;
}

/** Runs test/fixtures/probe.js with `env` to its end; returns what it printed. */
export async function runProbe(env: Record<string, string>): Promise<Record<string, unknown>> {
  const child = ManagedProcess.spawn(process.execPath, ['--enable-source-maps', join(fixturesDir, 'probe.js')], {
    cwd: fixturesDir,
    env: childEnv(env),
  });
  const exit = await child.exited;
  const line = printedLines(child).find((printed) => printed.ready === 'probe');
  if (exit.code !== 0 || !line) throw new Error(`probe failed (${JSON.stringify(exit)}):\n${child.output.tail()}`);
  return line;
}

/** The JSON lines a fixture printed (its ready line, probe results). */
export function printedLines(child: ManagedProcess): Array<Record<string, unknown>> {
  return child.output
    .text()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every span the fixtures wrote to `dir` so far. */
export function readSpans(dir: string): SpanRecord[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n'))
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as SpanRecord);
}
