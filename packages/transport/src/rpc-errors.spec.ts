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
