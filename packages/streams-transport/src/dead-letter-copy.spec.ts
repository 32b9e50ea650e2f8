import { deadLetterCopy, MAX_COPIED_BYTES } from './dead-letter-copy.js';

const envelope = (data: string) => ['v', '1', 'id', 'r1', 'replyTo', 'streams:inbox:c', 'deadline', '1700000000000', 'headers', '{"traceparent":"t"}', 'data', data];
const copyOf = (fields: string[], sensitive: string[] = [], oversized = false) => JSON.parse(deadLetterCopy(fields, { sensitive, oversized })) as string[];

describe('deadLetterCopy', () => {
  it('keeps the envelope and redacts the sensitive fields of the payload', () => {
    const copy = copyOf(envelope('{"email":"ada@example.com","password":"hunter22"}'), ['password']);
    expect(copy).toEqual(envelope('{"email":"ada@example.com","password":"[redacted]"}'));
  });

  it('keeps the payload as it was for a pattern with nothing sensitive', () => {
    expect(copyOf(envelope('{"id":"x"}'))).toEqual(envelope('{"id":"x"}'));
  });

  it('never keeps a payload it cannot parse: only its size, and no preview when the pattern has sensitive fields', () => {
    const broken = '{"email":"ada@example.com","password":"hunter22"';
    const sensitive = copyOf(envelope(broken), ['password']);
    expect(sensitive.at(-1)).toBe(`[not kept: ${broken.length} bytes]`);
    expect(JSON.stringify(sensitive)).not.toContain('hunter22');
    const plain = copyOf(envelope('x'.repeat(100)));
    expect(plain.at(-1)).toBe(`[not kept: 100 bytes] ${'x'.repeat(64)}...`);
  });

  it('parses nothing of an oversized entry and summarises fields the envelope does not have', () => {
    const copy = copyOf(['data', '{"password":"hunter22"}', 'extra', 'hunter22'], ['password'], true);
    expect(copy).toEqual(['data', '[not kept: 23 bytes]', 'extra', '[not kept: 8 bytes]']);
  });

  it('stays within MAX_COPIED_BYTES', () => {
    const copy = deadLetterCopy(envelope(JSON.stringify({ pad: 'y'.repeat(20_000) })), { sensitive: [], oversized: false });
    expect(copy.length).toBeLessThanOrEqual(MAX_COPIED_BYTES + 20);
    expect(deadLetterCopy(null, { sensitive: [], oversized: false })).toBe('[]');
  });
});
