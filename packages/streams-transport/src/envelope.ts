import type { WritePacket } from '@nestjs/microservices';
import { z } from 'zod';
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
  headers: Headers;
  data: unknown;
}

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
const requestId = z.string().min(1).max(128);
const json = z.string();

const requestFields = z
  .object({
    v: z.literal(FORMAT_VERSION),
    id: requestId,
    replyTo: z.string().min(1).max(1024),
    deadline: z.string().regex(/^\d{1,16}$/, 'epoch milliseconds'),
    // Optional, and written only when not 0: a server of an older version reads the rest.
    keep: z.string().regex(/^\d{1,12}$/, 'milliseconds').optional(),
    headers: json,
    data: json,
  })
  .strict();

const eventFields = z.object({ v: z.literal(FORMAT_VERSION), headers: json, data: json }).strict();

const headersSchema = z
  .record(z.string().min(1).max(256), z.string().max(8192))
  .refine((headers) => Object.keys(headers).length <= MAX_HEADERS, `at most ${MAX_HEADERS} headers`);

/** Size of an entry as Redis stores it (field names included). */
export function entryBytes(fields: readonly string[]): number {
  let bytes = 0;
  for (const part of fields) bytes += Buffer.byteLength(part);
  return bytes;
}

function fieldsToRecord(fields: readonly string[]): Record<string, string> | string {
  if (fields.length % 2 !== 0) return 'an odd number of field/value parts';
  const record: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) {
    const key = fields[i]!;
    if (Object.hasOwn(record, key)) return `field "${key}" appears twice`;
    record[key] = fields[i + 1]!;
  }
  return record;
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

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`).join('; ');
}

/** Checks size and fields of an entry, then parses its `headers` and `data` JSON. */
function decodeCommon<S extends z.ZodType<{ headers: string; data: string }>>(
  fields: readonly string[],
  schema: S,
  maxBytes: number,
): Decoded<{ fields: z.output<S>; headers: Headers; data: unknown }> {
  const bytes = entryBytes(fields);
  if (bytes > maxBytes) return { ok: false, reason: 'oversized', detail: `${bytes} bytes, the limit is ${maxBytes}` };
  const record = fieldsToRecord(fields);
  if (typeof record === 'string') return { ok: false, reason: 'wrong-shape', detail: record };
  const parsed = schema.safeParse(record);
  if (!parsed.success) return { ok: false, reason: 'wrong-shape', detail: describe(parsed.error) };
  const headersJson = parseJson(parsed.data.headers);
  if (!headersJson.ok) return { ok: false, reason: 'bad-json', detail: `headers: ${headersJson.detail}` };
  const headers = headersSchema.safeParse(headersJson.value);
  if (!headers.success) return { ok: false, reason: 'wrong-shape', detail: `headers: ${describe(headers.error)}` };
  const data = parseJson(parsed.data.data);
  if (!data.ok) return { ok: false, reason: 'bad-json', detail: `data: ${data.detail}` };
  return { ok: true, value: { fields: parsed.data, headers: headers.data, data: data.value } };
}

/** Validates a request entry; `replyPrefixes` keep replies from being written to any other key. */
export function decodeRequest(fields: readonly string[], maxBytes: number, replyPrefixes: readonly string[]): Decoded<RequestEnvelope> {
  const decoded = decodeCommon(fields, requestFields, maxBytes);
  if (!decoded.ok) return decoded;
  const { id, replyTo, deadline, keep } = decoded.value.fields;
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
  const bytes = entryBytes(fields);
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
