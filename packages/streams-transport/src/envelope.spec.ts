import { decodeEvent, decodeReply, decodeRequest, encodeEvent, encodeReply, encodeRequest, replyElement } from './envelope.js';
import { isStreamsTransportError } from './errors.js';
import type { WritePacket } from '@nestjs/microservices';

const REPLIES = ['streams:replies:', 'streams:inbox:'];
const request = { id: 'r1', replyTo: `${REPLIES[0]}caller-1`, deadline: 1_700_000_000_000, keepReplyMs: 0, memory: undefined, headers: { traceparent: 't' }, data: { a: [1, 'two'] } };

function reasonOf(entry: string[], max = 10_000): string {
  const decoded = decodeRequest(entry, max, REPLIES);
  return decoded.ok ? 'ok' : decoded.reason;
}

function roundTrip(packet: WritePacket, max: number) {
  return decodeReply(replyElement('r1', encodeReply('r1', packet, max)), 10_000);
}

describe('stream entry codec', () => {
  it('decodes what it encodes', () => {
    expect(decodeRequest(encodeRequest(request, 10_000, 'request'), 10_000, REPLIES)).toEqual({ ok: true, value: request });
    const event = { headers: {}, data: 'text' };
    expect(decodeEvent(encodeEvent(event, 10_000, 'event'), 10_000)).toEqual({ ok: true, value: event });
    const reply = replyElement('r1', encodeReply('r1', { response: { ok: 1 }, isDisposed: true }, 10_000));
    expect(decodeReply(reply, 10_000)).toEqual({ ok: true, value: { id: 'r1', packet: { response: { ok: 1 }, isDisposed: true } } });
  });

  it('writes how long to keep the reply only when asked, so older servers read every other request', () => {
    expect(encodeRequest(request, 10_000, 'request')).not.toContain('keep');
    const kept = { ...request, keepReplyMs: 86_400_000 };
    const fields = encodeRequest(kept, 10_000, 'request');
    expect(fields).toEqual(expect.arrayContaining(['keep', '86400000']));
    expect(decodeRequest(fields, 10_000, REPLIES)).toEqual({ ok: true, value: kept });
    expect(reasonOf(fields.map((part, i) => (fields[i - 1] === 'keep' ? '-5' : part)))).toBe('wrong-shape');
  });

  it('says who remembers the id only when asked, so the server of a legacy caller records it itself', () => {
    for (const memory of ['recorded', 'off'] as const) {
      const fields = encodeRequest({ ...request, memory }, 10_000, 'request');
      expect(fields).toEqual(expect.arrayContaining(['memory', memory]));
      expect(decodeRequest(fields, 10_000, REPLIES)).toEqual({ ok: true, value: { ...request, memory } });
      expect(reasonOf(fields.map((part, i) => (fields[i - 1] === 'memory' ? 'yes' : part)))).toBe('wrong-shape');
    }
    expect(encodeRequest(request, 10_000, 'request')).not.toContain('memory');
  });

  it('names why an entry is malformed', () => {
    const fields = encodeRequest(request, 10_000, 'request');
    const replace = (name: string, value: string) => fields.map((part, i) => (fields[i - 1] === name ? value : part));
    expect(reasonOf(replace('data', '{"a":'))).toBe('bad-json');
    expect(reasonOf(replace('headers', '{"n":1}'))).toBe('wrong-shape');
    expect(reasonOf(replace('deadline', 'soon'))).toBe('wrong-shape');
    expect(reasonOf(replace('replyTo', 'streams:rpc:other'))).toBe('wrong-shape');
    expect(reasonOf(replace('v', '2'))).toBe('wrong-shape');
    expect(reasonOf([...fields, 'extra', 'field'])).toBe('wrong-shape');
    expect(reasonOf(fields.slice(0, -1))).toBe('wrong-shape');
    expect(reasonOf(fields, 50)).toBe('oversized');
    expect(reasonOf(fields.filter((_, i) => fields[i] !== 'id' && fields[i - 1] !== 'id'))).toBe('wrong-shape');
    expect(reasonOf([...fields, 'id', 'again'])).toBe('wrong-shape');
    expect(reasonOf(replace('headers', '["a"]'))).toBe('wrong-shape');
    expect(reasonOf(replace('headers', JSON.stringify({ '': 'x' })))).toBe('wrong-shape');
    expect(reasonOf(replace('headers', JSON.stringify(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`h${i}`, 'x'])))))).toBe('wrong-shape');
    expect(reasonOf(replace('headers', JSON.stringify(Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`h${i}`, 'x'])))))).toBe('ok');
    expect(reasonOf(replace('id', 'x'.repeat(129)))).toBe('wrong-shape');
    expect(reasonOf(replace('data', '"é"'.padEnd(3, ' ')))).toBe('ok');
  });

  it('measures an entry in bytes: multi-byte characters count for what Redis stores', () => {
    const wide = encodeRequest({ ...request, data: 'é'.repeat(400) }, 10_000, 'request');
    // 490 characters, 890 bytes.
    expect(reasonOf(wide, 800)).toBe('oversized');
    expect(reasonOf(wide, 890)).toBe('ok');
  });

  it('refuses to encode a message over the limit', () => {
    expect(() => encodeEvent({ headers: {}, data: 'x'.repeat(200) }, 100, 'event e')).toThrow(/event e is \d+ bytes encoded/);
    let thrown: unknown;
    try {
      encodeRequest(request, 10, 'request');
    } catch (error) {
      thrown = error;
    }
    expect(isStreamsTransportError(thrown, 'TOO_LARGE')).toBe(true);
    // In bytes, as on decoding: the same 490 characters are 890 bytes.
    expect(() => encodeRequest({ ...request, data: 'é'.repeat(400) }, 889, 'request')).toThrow(/request is 890 bytes encoded/);
    expect(encodeRequest({ ...request, data: 'é'.repeat(400) }, 890, 'request')).toContain(JSON.stringify('é'.repeat(400)));
  });

  it('turns a reply it cannot send into an error reply the caller still receives', () => {
    const tooBig = roundTrip({ response: 'x'.repeat(500), isDisposed: true }, 200);
    expect(tooBig.ok && tooBig.value.packet).toEqual({ err: { status: 'error', message: expect.stringMatching(/exceeds|limit/) }, isDisposed: true });
    // A reply of multi-byte characters is measured in bytes, not characters.
    const wide = roundTrip({ response: 'é'.repeat(90), isDisposed: true }, 200);
    expect(wide.ok && wide.value.packet.err).toMatchObject({ message: expect.stringMatching(/limit/) });
    const unencodable = roundTrip({ response: { n: 1n }, isDisposed: true }, 10_000);
    expect(unencodable.ok && unencodable.value.packet.err).toMatchObject({ status: 'error', message: expect.stringMatching(/JSON/) });
    const thrown = roundTrip({ err: new Error('kept') }, 10_000);
    expect(thrown.ok && thrown.value.packet.err).toEqual({ status: 'error', message: 'kept' });
  });
});

function replyReasonOf(element: string, max = 10_000): string {
  const decoded = decodeReply(element, max);
  return decoded.ok ? 'ok' : decoded.reason;
}

describe('reply list element codec', () => {
  it('names why a reply is malformed, and passes a well-formed one', () => {
    expect(replyReasonOf('{"v":"1","id":"r1","reply":{"response":1,"isDisposed":true}}')).toBe('ok');
    expect(replyReasonOf('{"v":"1","id":"r1","reply":{"response":')).toBe('bad-json');
    expect(replyReasonOf('{"hello":"world"}')).toBe('wrong-shape');
    expect(replyReasonOf('[1,2]')).toBe('wrong-shape');
    expect(replyReasonOf('null')).toBe('wrong-shape');
    expect(replyReasonOf('{"v":"2","id":"r1","reply":{}}')).toBe('wrong-shape');
    expect(replyReasonOf('{"v":"1","id":"","reply":{}}')).toBe('wrong-shape');
    expect(replyReasonOf('{"v":"1","id":"r1","reply":"text"}')).toBe('wrong-shape');
    expect(replyReasonOf('{"v":"1","id":"r1","reply":{"isDisposed":"yes"}}')).toBe('wrong-shape');
    expect(replyReasonOf('{"v":"1","id":"r1","reply":{"extra":1}}')).toBe('wrong-shape');
    expect(replyReasonOf(`{"v":"1","id":"r1","reply":{"response":"${'é'.repeat(60)}"}}`, 100)).toBe('oversized');
  });
});
