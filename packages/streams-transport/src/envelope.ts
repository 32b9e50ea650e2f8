import type { WritePacket } from '@nestjs/microservices';
import { StreamsTransportError } from './errors.js';

/**
 * The wire format of stream entries: flat field/value pairs, one field per part, so an
 * operator can read them with XRANGE. Every entry carries `v`; a format change bumps it and
 * keeps a reader for the old one while old entries may still sit in a stream.
 *
 * Entries come from anything that can write to Redis, so nothing here is trusted: each one is
 * checked for size, shape and JSON before a handler sees it.
 */
const FORMAT_VERSION = '1';

/** Out-of-band values that travel with a message: trace context, Nest packet metadata. */
export type Headers = Record<string, string>;

export interface RequestEnvelope {
  /** Chosen by the client; the reply carries it back so the client can match it. */
  id: string;
  /** The calling client's reply list (or, from a client of the previous version, its inbox stream). */
  replyTo: string;
  /** Epoch ms after which the caller has given up, so the request must not be handled. */
  deadline: number;
  /**
   * How long after the deadline the server keeps the reply for a retry under the same id
   * (0: only until the deadline, long enough to recognise a duplicate of this very call).
   */
  keepReplyMs: number;
  /**
   * Who remembers the id: `recorded`, the caller recorded it as running when it appended the
   * request (see enqueueRemembered); `off`, nobody (a random id, or a read-only call). A
   * caller of the previous version sends neither, and the server records the id itself.
   */
  memory?: RequestMemoryMode | undefined;
  headers: Headers;
  data: unknown;
}

/** See RequestEnvelope.memory. */
export type RequestMemoryMode = 'recorded' | 'off';

export interface EventEnvelope {
  headers: Headers;
  data: unknown;
}

export interface ReplyEnvelope {
  id: string;
  packet: WritePacket;
}

/** Why an entry was set aside instead of handled. */
export type MalformedReason = 'oversized' | 'wrong-shape' | 'bad-json';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: MalformedReason; detail: string };

const MAX_HEADERS = 64;

/**
 * A field's check: undefined when the value is fine, else what is wrong. The entries are
 * checked by hand rather than by a schema library: this runs once per request or event on
 * the server's hot path, and allocates nothing for a well-formed entry.
 */
type FieldCheck = (value: string) => string | undefined;

const anyText: FieldCheck = () => undefined;
const version: FieldCheck = (value) => (value === FORMAT_VERSION ? undefined : `must be "${FORMAT_VERSION}"`);
const lengthWithin =
  (max: number): FieldCheck =>
  (value) =>
    value.length > 0 && value.length <= max ? undefined : `1 to ${max} characters`;
const digits = (max: number, what: string): FieldCheck => {
  const pattern = new RegExp(`^\\d{1,${max}}$`);
  return (value) => (pattern.test(value) ? undefined : `${what} (up to ${max} digits)`);
};

/** The fields of an entry: required ones, and optional ones (absent is fine). */
interface FieldRules {
  required: Record<string, FieldCheck>;
  optional: Record<string, FieldCheck>;
}

const requestFields: FieldRules = {
  required: {
    v: version,
    id: lengthWithin(128),
    replyTo: lengthWithin(1024),
    deadline: digits(16, 'epoch milliseconds'),
    headers: anyText,
    data: anyText,
  },
  // `keep` is written only when not 0, so a server of an older version reads the rest.
  optional: { keep: digits(12, 'milliseconds'), memory: (value) => (value === 'recorded' || value === 'off' ? undefined : 'must be "recorded" or "off"') },
};

const eventFields: FieldRules = { required: { v: version, headers: anyText, data: anyText }, optional: {} };

/** What is wrong with the fields of an entry (as field/value pairs), or undefined. */
function checkFields(fields: readonly string[], rules: FieldRules): string | undefined {
  if (fields.length % 2 !== 0) return 'an odd number of field/value parts';
  let required = 0;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    for (let j = 0; j < i; j += 2) if (fields[j] === name) return `field "${name}" appears twice`;
    const isRequired = Object.hasOwn(rules.required, name);
    const check = isRequired ? rules.required[name] : Object.hasOwn(rules.optional, name) ? rules.optional[name] : undefined;
    if (!check) return `unknown field "${name}"`;
    if (isRequired) required++;
    const wrong = check(fields[i + 1]!);
    if (wrong) return `${name}: ${wrong}`;
  }
  if (required === Object.keys(rules.required).length) return undefined;
  const missing = Object.keys(rules.required).filter((name) => !fields.some((part, i) => i % 2 === 0 && part === name));
  return `missing ${missing.map((name) => `"${name}"`).join(', ')}`;
}

/** The value of `name` in field/value pairs already checked by checkFields. */
function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** What is wrong with parsed headers (a flat object of short strings), or undefined. */
function checkHeaders(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return 'an object of strings';
  let count = 0;
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    if (++count > MAX_HEADERS) return `at most ${MAX_HEADERS} headers`;
    if (name.length === 0 || name.length > 256) return 'names of 1 to 256 characters';
    const value: unknown = (headers as Record<string, unknown>)[name];
    if (typeof value !== 'string') return `${name}: a string`;
    if (value.length > 8192) return `${name}: at most 8192 characters`;
  }
  return undefined;
}

/** Size of an entry as Redis stores it (field names included). */
export function entryBytes(fields: readonly string[]): number {
  let bytes = 0;
  for (const part of fields) bytes += Buffer.byteLength(part);
  return bytes;
}

/**
 * An entry's size in UTF-8 bytes where it may exceed `maxBytes`; for an entry well under the
 * limit, its length in UTF-16 units instead. A unit is at most 3 UTF-8 bytes, so such an entry
 * skips the byte count, a native call per field: encoding a request took 282 instead of 520 ns
 * (bench/analysis.md).
 */
function sizeAgainst(fields: readonly string[], maxBytes: number): number {
  let units = 0;
  for (const part of fields) units += part.length;
  return units * 3 <= maxBytes ? units : entryBytes(fields);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; detail: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // V8's message quotes the text it could not parse, which may hold a password: only the
    // position is kept (the detail is logged and stored with the dead letter).
    const position = /at position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    return { ok: false, detail: `not valid JSON${position === undefined ? '' : ` (at position ${position})`}, ${Buffer.byteLength(text)} bytes` };
  }
}

/** Checks size and fields of an entry, then parses its `headers` and `data` JSON. */
function decodeCommon(fields: readonly string[], rules: FieldRules, maxBytes: number): Decoded<{ headers: Headers; data: unknown }> {
  const bytes = sizeAgainst(fields, maxBytes);
  if (bytes > maxBytes) return { ok: false, reason: 'oversized', detail: `${bytes} bytes, the limit is ${maxBytes}` };
  const wrong = checkFields(fields, rules);
  if (wrong) return { ok: false, reason: 'wrong-shape', detail: wrong };
  const headersJson = parseJson(fieldOf(fields, 'headers')!);
  if (!headersJson.ok) return { ok: false, reason: 'bad-json', detail: `headers: ${headersJson.detail}` };
  const wrongHeaders = checkHeaders(headersJson.value);
  if (wrongHeaders) return { ok: false, reason: 'wrong-shape', detail: `headers: ${wrongHeaders}` };
  const data = parseJson(fieldOf(fields, 'data')!);
  if (!data.ok) return { ok: false, reason: 'bad-json', detail: `data: ${data.detail}` };
  return { ok: true, value: { headers: headersJson.value as Headers, data: data.value } };
}

/** Validates a request entry; `replyPrefixes` keep replies from being written to any other key. */
export function decodeRequest(fields: readonly string[], maxBytes: number, replyPrefixes: readonly string[]): Decoded<RequestEnvelope> {
  const decoded = decodeCommon(fields, requestFields, maxBytes);
  if (!decoded.ok) return decoded;
  const id = fieldOf(fields, 'id')!;
  const replyTo = fieldOf(fields, 'replyTo')!;
  const deadline = fieldOf(fields, 'deadline')!;
  const keep = fieldOf(fields, 'keep');
  if (!replyPrefixes.some((prefix) => replyTo.startsWith(prefix) && replyTo.length > prefix.length)) {
    return { ok: false, reason: 'wrong-shape', detail: `replyTo must be a reply key (${replyPrefixes.map((prefix) => `${prefix}...`).join(' or ')})` };
  }
  return {
    ok: true,
    value: {
      id,
      replyTo,
      deadline: Number(deadline),
      keepReplyMs: keep === undefined ? 0 : Number(keep),
      memory: fieldOf(fields, 'memory') as RequestMemoryMode | undefined,
      headers: decoded.value.headers,
      data: decoded.value.data,
    },
  };
}

/** Validates an event entry. */
export function decodeEvent(fields: readonly string[], maxBytes: number): Decoded<EventEnvelope> {
  const decoded = decodeCommon(fields, eventFields, maxBytes);
  if (!decoded.ok) return decoded;
  return { ok: true, value: { headers: decoded.value.headers, data: decoded.value.data } };
}

/**
 * Validates a reply popped from a client's reply list: one JSON string
 * `{"v":"1","id":...,"reply":{response?,err?,isDisposed?}}` (see replyElement). Checked by
 * hand rather than by schema: it runs once per reply on the caller's hot path.
 */
export function decodeReply(element: string, maxBytes: number): Decoded<ReplyEnvelope> {
  // A UTF-8 byte is at most 3 per UTF-16 unit here, so short replies skip the byte count.
  if (element.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(element);
    if (bytes > maxBytes) return { ok: false, reason: 'oversized', detail: `${bytes} bytes, the limit is ${maxBytes}` };
  }
  const parsed = parseJson(element);
  if (!parsed.ok) return { ok: false, reason: 'bad-json', detail: parsed.detail };
  const reply = parsed.value as { v?: unknown; id?: unknown; reply?: unknown } | null;
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return { ok: false, reason: 'wrong-shape', detail: 'not an object' };
  for (const key in reply) {
    if (key !== 'v' && key !== 'id' && key !== 'reply') return { ok: false, reason: 'wrong-shape', detail: `unknown field "${key}"` };
  }
  if (reply.v !== FORMAT_VERSION) return { ok: false, reason: 'wrong-shape', detail: `v: must be "${FORMAT_VERSION}"` };
  if (typeof reply.id !== 'string' || reply.id.length === 0 || reply.id.length > 128) return { ok: false, reason: 'wrong-shape', detail: 'id: 1 to 128 characters' };
  const packet = reply.reply as Record<string, unknown> | null | undefined;
  if (typeof packet !== 'object' || packet === null || Array.isArray(packet)) return { ok: false, reason: 'wrong-shape', detail: 'reply: not an object' };
  for (const key in packet) {
    if (key !== 'err' && key !== 'response' && key !== 'isDisposed') return { ok: false, reason: 'wrong-shape', detail: `reply: unknown field "${key}"` };
  }
  if (packet.isDisposed !== undefined && typeof packet.isDisposed !== 'boolean') return { ok: false, reason: 'wrong-shape', detail: 'reply.isDisposed: a boolean' };
  return { ok: true, value: { id: reply.id, packet: packet as WritePacket } };
}

/** JSON of a payload; `undefined` travels as null, as JSON has no undefined. */
function toJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function checkSize(fields: string[], maxBytes: number, what: string): string[] {
  const bytes = sizeAgainst(fields, maxBytes);
  if (bytes > maxBytes) {
    throw new StreamsTransportError('TOO_LARGE', `${what} is ${bytes} bytes encoded, the limit (maxEntryBytes) is ${maxBytes}`);
  }
  return fields;
}

/** Field/value pairs of a request; throws TOO_LARGE, or a TypeError for data JSON cannot encode. */
export function encodeRequest(request: RequestEnvelope, maxBytes: number, what: string): string[] {
  return checkSize(
    [
      'v', FORMAT_VERSION,
      'id', request.id,
      'replyTo', request.replyTo,
      'deadline', String(request.deadline),
      ...(request.keepReplyMs > 0 ? ['keep', String(request.keepReplyMs)] : []),
      ...(request.memory ? ['memory', request.memory] : []),
      'headers', JSON.stringify(request.headers),
      'data', toJson(request.data),
    ],
    maxBytes,
    what,
  );
}

/** Field/value pairs of an event; throws like encodeRequest. */
export function encodeEvent(event: EventEnvelope, maxBytes: number, what: string): string[] {
  return checkSize(
    ['v', FORMAT_VERSION, 'headers', JSON.stringify(event.headers), 'data', toJson(event.data)],
    maxBytes,
    what,
  );
}

/** A reply as an element of the caller's reply list, its packet already JSON (see decodeReply). */
export function replyElement(id: string, packetJson: string): string {
  return `{"v":"${FORMAT_VERSION}","id":${JSON.stringify(id)},"reply":${packetJson}}`;
}

/** A reply as field/value pairs of a stream entry, for callers of the previous version (stream inboxes). */
export function replyEntry(id: string, packetJson: string): string[] {
  return ['v', FORMAT_VERSION, 'id', id, 'reply', packetJson];
}

/** The error reply that stands in for one that cannot be sent; small and always encodable, so not checked again. */
function failure(message: string): string {
  return JSON.stringify({ err: { status: 'error', message }, isDisposed: true });
}

/**
 * The JSON of a reply's packet. A reply that cannot be encoded or is too large (as a reply
 * element to request `id`) becomes an error reply, so the caller learns it at once instead
 * of waiting for its timeout.
 */
export function encodeReply(id: string, packet: WritePacket, maxBytes: number): string {
  const body: WritePacket = {};
  // An Error instance would encode as {}: keep its message, as Nest's own transports do.
  if (packet.err !== undefined) body.err = packet.err instanceof Error ? { status: 'error', message: packet.err.message } : packet.err;
  if (packet.response !== undefined) body.response = packet.response;
  if (packet.isDisposed) body.isDisposed = true;
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    return failure(`The reply could not be encoded as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The element adds the id and about 30 bytes of framing; short replies skip the byte count.
  if ((json.length + id.length) * 3 + 32 <= maxBytes) return json;
  const bytes = Buffer.byteLength(json) + Buffer.byteLength(id) + 32;
  if (bytes > maxBytes) return failure(`The reply is ${bytes} bytes encoded, the limit (maxEntryBytes) is ${maxBytes}`);
  return json;
}
