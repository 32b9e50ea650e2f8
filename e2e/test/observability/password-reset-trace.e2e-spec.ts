import { OtlpReceiver, waitFor } from '@platform/testing';
import { type Platform, startPlatform } from '../platform.js';
import { registerAccount } from '../shop.js';
import { descendsFrom, orphans, outline, type RecordedSpan, SpanKind, traceOf } from './spans.js';

const JSON_BODY = { 'content-type': 'application/json' };

// A password-reset email is one trace from the HTTP request to the sent email: gateway ->
// accounts (request/response over the Redis transport) -> the email job accounts adds ->
// notifications' worker. Every service runs unchanged and exports over OTLP http/protobuf,
// as in production, to a real OTLP receiver that decodes what it gets. The hop this guards
// is the job: it carries the trace only if its producer adds it with the trace context.
describe('one trace for a password-reset email, exported over OTLP', () => {
  let platform: Platform;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    platform = await startPlatform({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        // Export every 200 ms rather than every 5 s, so the test does not wait for batches.
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      // A registration hashes for real (scrypt); the machine is small and shared.
      gatewayEnv: { RPC_TIMEOUT_MS: '10000' },
    });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.stop();
  });

  it('follows POST /auth/password-reset through accounts and the email job into notifications', async () => {
    const email = `reset-${Date.now()}@example.com`;
    await registerAccount(platform, email);
    const reset = await platform.request('/auth/password-reset', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ email }) });
    expect(reset.status).toBe(202);

    // The email job runs after the HTTP answer: wait until its span has been exported too.
    let trace: RecordedSpan[] = [];
    await waitFor(
      'the email job to be exported inside the password-reset trace',
      () => {
        trace = traceOf(receiver.spans, 'POST', '/auth/password-reset');
        // Each service exports on its own schedule: the email job's span can arrive before
        // the spans of the hops that caused it; wait until every parent has arrived too.
        return trace.some((span) => span.service === 'notifications' && span.kind === SpanKind.CONSUMER && /email/.test(span.name)) && orphans(trace).length === 0;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- the trace so far ---\n${outline(trace)}`);
    });
    // What the receiver got for this trace, for the reader of the test's output.
    process.stdout.write(`trace ${trace[0]!.traceId}, ${trace.length} spans:\n${outline(trace)}\n`);

    expect(orphans(trace)).toEqual([]);
    expect(new Set(trace.map((span) => span.service))).toEqual(new Set(['gateway', 'accounts', 'notifications']));
    const root = trace.find((span) => !span.parentSpanId)!;
    // The gateway publishes the request as an event; accounts handles it after the answer.
    const call = trace.find((span) => span.service === 'gateway' && span.kind === SpanKind.PRODUCER && span.name.includes('password-reset.requested'));
    const handled = trace.find((span) => span.service === 'accounts' && span.kind === SpanKind.CONSUMER && span.name.includes('password-reset.requested'));
    const enqueued = trace.find((span) => span.service === 'accounts' && span.kind === SpanKind.PRODUCER && /email/.test(span.name));
    const processed = trace.find((span) => span.service === 'notifications' && span.kind === SpanKind.CONSUMER && /email/.test(span.name));
    for (const span of [call, handled, enqueued, processed]) expect(span).toBeDefined();
    // The chain is unbroken: each hop hangs under the one before it.
    expect(descendsFrom(trace, call!, root)).toBe(true);
    expect(handled!.parentSpanId).toBe(call!.spanId);
    expect(descendsFrom(trace, enqueued!, handled!)).toBe(true);
    expect(descendsFrom(trace, processed!, enqueued!)).toBe(true);
    // The job was sent: the worker's Redis commands (the "sent" marker) are in the trace too.
    expect(trace.some((span) => span.service === 'notifications' && span.kind === SpanKind.CLIENT && span.attributes['db.system.name'] === 'redis')).toBe(true);
  });
});
