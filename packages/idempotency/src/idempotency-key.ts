import { z } from 'zod';

/** The request header (draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The answer header that says an answer is the stored one, not a new run. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** The longest key taken: a UUID is 36 characters; Stripe, for one, allows 255 as well. */
export const MAX_KEY_LENGTH = 255;

// Visible ASCII but `"` and `\`: what an sf-string may hold without escapes. No space, so
// two headers (which Node joins with ", ") are never read as one key.
const KEY_CHARACTERS = String.raw`[!#-\[\]-~]`;

/** What a key is, as the 400 for a bad one and the API document say it. */
export const KEY_RULE = `1 to ${MAX_KEY_LENGTH} visible ASCII characters other than '"' and '\\', optionally in double quotes, sent once`;

/**
 * The header's value: the key bare (`8e03978e-40d5-43e8-bc93-6894a57f9324`) or as the draft
 * writes it, a Structured Field string (`"8e03978e-..."`); the quotes are not part of the key.
 * Exported as a schema so the API document shows the very rule requests are checked against.
 */
export const IdempotencyKeyHeader = z
  .string()
  .regex(new RegExp(`^(?:${KEY_CHARACTERS}{1,${MAX_KEY_LENGTH}}|"${KEY_CHARACTERS}{1,${MAX_KEY_LENGTH}}")$`), KEY_RULE);

export type ReadKey = { valid: true; key: string } | { valid: false };

/**
 * The key a request carries: undefined without the header; `valid: false` for a value that is
 * not one key (empty, too long, control or non-ASCII characters, the header sent twice).
 */
export function readIdempotencyKey(value: string | string[] | undefined): ReadKey | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IdempotencyKeyHeader.safeParse(value).success) return { valid: false };
  return { valid: true, key: value.startsWith('"') ? value.slice(1, -1) : value };
}
