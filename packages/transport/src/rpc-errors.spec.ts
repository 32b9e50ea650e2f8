import { StreamsTransportError } from '@platform/streams-transport';
import { TimeoutError } from 'rxjs';
import { toHttpException } from './rpc-errors.js';

const call = { service: 'catalog', pattern: 'catalog.get', timeoutMs: 500 };

describe('toHttpException', () => {
  it('keeps a handler refusal as the same 4xx', () => {
    const { exception, outcome } = toHttpException({ statusCode: 404, error: 'Not Found', message: 'no product 9' }, call);
    expect(outcome).toBe('client_error');
    expect(exception.getStatus()).toBe(404);
    expect(exception.getResponse()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no product 9' });
  });

  it('hides a handler failure behind a 502', () => {
    const { exception, outcome } = toHttpException({ statusCode: 500, error: 'Internal Server Error', message: 'db exploded' }, call);
    expect(outcome).toBe('server_error');
    expect(exception.getStatus()).toBe(502);
    expect(JSON.stringify(exception.getResponse())).not.toContain('db exploded');
    expect(toHttpException({ status: 'error', message: 'Internal server error' }, call).exception.getStatus()).toBe(502);
  });

  it('keeps a handler that lost Redis honest: 503 when nothing was sent, 504 when the outcome is unknown', () => {
    const notSent = toHttpException({ statusCode: 503, error: 'Service Unavailable', message: 'Redis is unreachable: the request was not completed' }, call);
    expect([notSent.outcome, notSent.exception.getStatus(), notSent.exception.message]).toEqual([
      'unavailable',
      503,
      'catalog could not complete catalog.get: Redis is unreachable: the request was not completed',
    ]);
    const unknown = toHttpException({ statusCode: 504, error: 'Gateway Timeout', message: 'Redis did not confirm a write in time: the outcome is unknown' }, call);
    expect([unknown.outcome, unknown.exception.getStatus()]).toEqual(['timeout', 504]);
  });

  it('refuses a second call under a request id still waiting with 409', () => {
    const { exception, outcome } = toHttpException(new StreamsTransportError('IN_PROGRESS', 'a call with the id x is still waiting'), call);
    expect([outcome, exception.getStatus()]).toEqual(['client_error', 409]);
  });

  it('turns a missed deadline into a 504 that names the service and the deadline', () => {
    const { exception, outcome } = toHttpException(new TimeoutError(), call);
    expect(outcome).toBe('timeout');
    expect(exception.getStatus()).toBe(504);
    expect(exception.message).toBe('catalog did not answer catalog.get within 500 ms');
  });

  it('turns transport failures into a 503 without addresses', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:4000'), { code: 'ECONNREFUSED' });
    const { exception, outcome } = toHttpException(refused, call);
    expect(outcome).toBe('unavailable');
    expect(exception.getStatus()).toBe(503);
    expect(exception.message).toBe('catalog is unavailable: connection refused or lost');
    expect(toHttpException('Error: Connection lost. Trying to reconnect...', call).exception.message).toBe(
      'catalog is unavailable: Redis is unreachable',
    );
  });
});
