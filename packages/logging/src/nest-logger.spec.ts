import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger, NestPinoLogger, requestLogger } from './index.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'spec', level: 'debug', destination }) };
}

describe('logging', () => {
  it('writes JSON lines with the service, a level name and Nest context', () => {
    const { lines, logger } = capture();
    new NestPinoLogger(logger).log('started', 'Bootstrap');
    expect(lines[0]).toMatchObject({ service: 'spec', level: 'info', msg: 'started', context: 'Bootstrap' });
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('keeps an error stack Nest passes as a string', () => {
    const { lines, logger } = capture();
    new NestPinoLogger(logger).error('boom', 'Error: boom\n    at x (y.js:1:1)', 'Ctx');
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'boom', context: 'Ctx' });
    expect(lines[0]!.stack).toContain('at x');
  });

  it('never writes passwords, tokens or credentials', () => {
    const { lines, logger } = capture();
    logger.info({ password: 'hunter2', user: { token: 't0k' }, req: { headers: { authorization: 'Bearer abc' } } }, 'login');
    const text = JSON.stringify(lines[0]);
    expect(text).not.toMatch(/hunter2|t0k|Bearer abc/);
    expect(text).toContain('[redacted]');
  });

  it('skips levels that are off', () => {
    const { lines, logger } = capture();
    logger.level = 'warn';
    new NestPinoLogger(logger).debug('noise');
    expect(lines).toHaveLength(0);
  });
});

describe('requestLogger', () => {
  it('logs with the request id, and makes no child logger for a request that logs nothing at an enabled level', () => {
    const { lines, logger: parent } = capture();
    parent.level = 'info';
    // The process logger, counting the children made of it.
    let children = 0;
    const logger: Logger = Object.create(parent, {
      child: { value: (...args: Parameters<Logger['child']>) => (children++, parent.child(...args)) },
    });
    const quiet = requestLogger(logger, { reqId: 'req-1' }, {});
    quiet.debug({ route: '/health/live' }, 'request completed');
    quiet.trace('nothing');
    expect(children).toBe(0);
    expect(lines).toEqual([]);

    const loud = requestLogger(logger, { reqId: 'req-2' }, {});
    loud.info({ route: '/test1', token: 'abc' }, 'request completed');
    loud.warn('again');
    expect(children).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({ reqId: 'req-2', level: 'info', route: '/test1', token: '[redacted]', msg: 'request completed', service: 'spec' }),
      expect.objectContaining({ reqId: 'req-2', level: 'warn', msg: 'again' }),
    ]);
  });
});
