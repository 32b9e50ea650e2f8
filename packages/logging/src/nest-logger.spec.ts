import { Writable } from 'node:stream';
import { createLogger, NestPinoLogger } from './index.js';

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
