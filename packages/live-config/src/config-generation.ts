import { createHash } from 'node:crypto';

/**
 * Hex digits kept of the SHA-256: 48 bits. A new document takes the generation of the one a
 * replica runs (which would keep that replica on the old one) with odds of 1 in 2^48, about
 * 3·10^14, while the label stays short enough to read on a dashboard.
 */
const GENERATION_LENGTH = 12;

/**
 * The generation of a stored configuration document: a hash of its content, the same for the
 * same content whoever wrote it and whatever version number it carries. Replicas compare
 * generations, not versions, to decide whether to apply what they read: after Redis lost its
 * last writes (a failover, a restore), version numbers are handed out again for other content,
 * while a generation never names two different documents.
 *
 * Computed from the document's canonical JSON (object keys sorted, no whitespace), so key order
 * or formatting does not make two equal documents differ. A document that is not JSON is
 * hashed as it is stored. No document (nothing written yet: every key at its default) is the
 * generation of the empty document, which means the same.
 */
export function configGeneration(document: string | null): string {
  let content: string;
  try {
    content = canonicalJson(JSON.parse(document ?? '{}'));
  } catch {
    content = document!;
  }
  return createHash('sha256').update(content).digest('hex').slice(0, GENERATION_LENGTH);
}

/** JSON with the keys of every object sorted, so equal values always give the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
