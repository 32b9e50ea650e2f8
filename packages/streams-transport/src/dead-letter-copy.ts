import { redact } from './redact.js';

/** A dead letter keeps at most this much of the original entry: enough to see what it was. */
export const MAX_COPIED_BYTES = 8 * 1024;
/** How much of a value that is not kept whole (not JSON, oversized, unknown field) is shown. */
const PREVIEW_CHARS = 64;

/** Envelope fields that carry no payload: kept as they are (bounded, in case of garbage). */
const PLAIN_FIELDS = new Set(['v', 'id', 'replyTo', 'deadline']);
/** Envelope fields that hold JSON: kept when they parse, `data` with its sensitive fields redacted. */
const JSON_FIELDS = new Set(['headers', 'data']);

export interface CopyRules {
  /** Paths of the payload (`data`) to redact (see redact()); from the handler's `sensitive` extras. */
  sensitive: readonly string[];
  /** The entry is over maxEntryBytes: nothing in it is parsed, it may be huge. */
  oversized: boolean;
}

/**
 * What a dead letter keeps of an entry (its `fields`, a JSON array of field/value parts like
 * the entry's own, at most MAX_COPIED_BYTES): the envelope as it was, the payload with its
 * sensitive fields replaced by "[redacted]". A value that cannot be parsed, so cannot be
 * redacted either (bad JSON, an oversized entry, a field the envelope does not have), is
 * never kept whole: only its size and, for a pattern that declares no sensitive fields, its
 * first 64 characters. There is deliberately no hash of it: an unsalted hash of a payload that
 * holds a short password is a guessable fingerprint of that password.
 */
export function deadLetterCopy(fields: readonly string[] | null, rules: CopyRules): string {
  if (fields === null) return '[]';
  const copy: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1];
    copy.push(name.length > PREVIEW_CHARS ? `${name.slice(0, PREVIEW_CHARS)}...` : name);
    if (value !== undefined) copy.push(copyOf(name, value, rules));
  }
  const json = JSON.stringify(copy);
  return json.length > MAX_COPIED_BYTES ? `${json.slice(0, MAX_COPIED_BYTES)}... (truncated)` : json;
}

function copyOf(name: string, value: string, rules: CopyRules): string {
  if (PLAIN_FIELDS.has(name) && value.length <= 256) return value;
  if (!JSON_FIELDS.has(name) || rules.oversized) return unparsed(value, rules);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return unparsed(value, rules);
  }
  return name === 'data' && rules.sensitive.length > 0 ? JSON.stringify(redact(parsed, rules.sensitive)) : value;
}

function unparsed(value: string, { sensitive }: CopyRules): string {
  const summary = `[not kept: ${Buffer.byteLength(value)} bytes]`;
  // A pattern with sensitive fields keeps nothing of it: any prefix could be the secret.
  if (sensitive.length > 0) return summary;
  return `${summary} ${value.slice(0, PREVIEW_CHARS)}${value.length > PREVIEW_CHARS ? '...' : ''}`;
}
