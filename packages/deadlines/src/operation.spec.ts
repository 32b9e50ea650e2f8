import { runWithDeadline } from './deadline.js';
import { callId, identifyOperation, operationId } from './operation.js';

const inRequest = <T>(work: () => T): T => runWithDeadline(Date.now() + 1_000, work);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** One run of an operation under `key`: its three calls' ids and the id of what it creates. */
const run = (key: string) =>
  inRequest(() => {
    identifyOperation(key, 60_000);
    return { calls: [callId('catalog.create'), callId('catalog.create'), callId('accounts.login')], product: operationId('product') };
  });

describe('an operation named by the request', () => {

  it('gives its calls and records the same ids on every run, and its own to each call', () => {
    const first = run('key-1');
    expect(run('key-1')).toEqual(first);
    const ids = first.calls.map((call) => call?.id);
    expect(new Set(ids).size).toBe(3);
    expect(first.calls.every((call) => call?.keepReplyMs === 60_000)).toBe(true);
    expect(first.product).toMatch(UUID);
  });

  it('gives another operation other ids', () => {
    const [one, other] = [run('key-1'), run('key-2')];
    expect(other.calls.map((call) => call?.id)).not.toContain(one.calls[0]?.id);
    expect(other.product).not.toBe(one.product);
  });

  it('is carried by runWithDeadline, counting calls from none in each run', () => {
    const operation = { key: 'rpc:catalog.create:abc', keepRepliesMs: 0 };
    const ids = () => runWithDeadline(Date.now() + 1_000, () => callId('x')?.id, operation);
    expect(ids()).toBe(ids());
  });

  it('leaves calls random outside a named operation', () => {
    expect(inRequest(() => callId('catalog.create'))).toBeUndefined();
    expect(callId('catalog.create')).toBeUndefined();
    expect(operationId('product')).not.toBe(operationId('product'));
    expect(operationId('product')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
