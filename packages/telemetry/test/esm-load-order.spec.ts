import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ManagedProcess, waitFor } from '@platform/testing';
import { assertPackageBuilt, Kind, readSpans, startFixture } from './support/fixtures.js';

/*
 * Services are ESM and start as plain `node --enable-source-maps dist/main.js`, with no
 * --import loader hook. Incoming requests get their SERVER span from a patch of
 * `http.Server.prototype` (http-server-spans), which holds whatever loaded first, and
 * @fastify/otel registers through a diagnostics channel: the app imported before
 * startTelemetry is traced the same. (Outgoing HTTP is still instrumentation-http's, which
 * patches node:http only when it is required after startTelemetry: main.ts keeps that order.)
 */
describe('ESM services: incoming requests are traced whatever the load order', () => {
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

  async function spansOfOneRequest(script: string): Promise<Array<{ name: string; kind: number; scope: string }>> {
    const port = await freePort();
    service = await startFixture(script, { FIXTURE: 'hello', PORT: String(port), SPANS_FILE: join(spansDir, 'hello.jsonl') });
    expect((await fetch(`http://127.0.0.1:${port}/hello`)).status).toBe(200);
    // The SERVER span ends when the response closes, after @fastify/otel's: once the root is
    // written, none is missing.
    await waitFor('the spans of the request', () => readSpans(spansDir).some((span) => span.parentSpanId === undefined));
    return readSpans(spansDir).map(({ name, kind, scope }) => ({ name, kind, scope }));
  }

  const traced = [
    { name: 'request', kind: Kind.INTERNAL, scope: '@fastify/otel' },
    { name: 'GET /hello', kind: Kind.SERVER, scope: '@platform/telemetry' },
  ];

  it('started first, then `await import()` of the app', async () => {
    expect(await spansOfOneRequest('main.js')).toEqual(traced);
  });

  it('app imported first (Fastify and node:http loaded before the SDK)', async () => {
    expect(await spansOfOneRequest('main-app-first.js')).toEqual(traced);
  });
});
