import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ManagedProcess, waitFor } from '@platform/testing';
import { assertPackageBuilt, Kind, readSpans, startFixture } from './support/fixtures.js';

/*
 * Services are ESM and start as plain `node --enable-source-maps dist/main.js`, with no
 * --import loader hook. instrumentation-http patches node:http when Fastify (CommonJS)
 * requires it, which only happens if Fastify loads after startTelemetry: hence main.ts starts
 * telemetry and then imports the app with `await import()`. These two runs show the difference.
 */
describe('ESM services: telemetry must start before the app is imported', () => {
  let spansDir: string;
  let service: ManagedProcess | undefined;

  beforeAll(() => assertPackageBuilt());
  beforeEach(() => {
    spansDir = mkdtempSync(join(tmpdir(), 'telemetry-esm-'));
  });
  afterEach(async () => {
    await service?.stop('SIGKILL');
    service = undefined;
    rmSync(spansDir, { recursive: true, force: true });
  });

  async function serverSpansOfOneRequest(script: string): Promise<Array<{ name: string; scope: string }>> {
    const port = await freePort();
    service = await startFixture(script, { FIXTURE: 'hello', PORT: String(port), SPANS_FILE: join(spansDir, 'hello.jsonl') });
    expect((await fetch(`http://127.0.0.1:${port}/hello`)).status).toBe(200);
    // @fastify/otel's span ends in Fastify's onSend/onResponse, before node:http's: once the
    // request's last span is written, none is missing.
    await waitFor('the spans of the request', () => readSpans(spansDir).some((span) => span.parentSpanId === undefined));
    return readSpans(spansDir)
      .filter((span) => span.kind === Kind.SERVER)
      .map(({ name, scope }) => ({ name, scope }));
  }

  it('started first, then `await import()` of the app: node:http is instrumented', async () => {
    expect(await serverSpansOfOneRequest('main.js')).toEqual([{ name: 'GET /hello', scope: '@opentelemetry/instrumentation-http' }]);
  });

  it('app imported first: node:http is not, only @fastify/otel (diagnostics channel) sees the request', async () => {
    expect(await serverSpansOfOneRequest('main-app-first.js')).toEqual([{ name: 'request', scope: '@fastify/otel' }]);
  });
});
