/** What replaces a sensitive value (the same censor as the platform's logs). */
export const REDACTED = '[redacted]';

/**
 * A copy of `value` with the value at each of `paths` replaced by REDACTED; `value` itself is
 * left as it was. A path is field names joined by dots (`password`, `card.number`); `*` stands
 * for every field of an object (the values of a record), and arrays are looked through, so
 * `items.secret` redacts the `secret` of every item. The empty path is the whole value. A path
 * that leads nowhere in this value changes nothing.
 */
export function redact(value: unknown, paths: readonly string[]): unknown {
  let result = value;
  for (const path of paths) result = redactAt(result, path === '' ? [] : path.split('.'));
  return result;
}

function redactAt(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return value === undefined ? value : REDACTED;
  if (Array.isArray(value)) return value.map((item: unknown) => redactAt(item, path));
  if (typeof value !== 'object' || value === null) return value;
  const [field, ...rest] = path as [string, ...string[]];
  // fromEntries defines the fields, so a field named `__proto__` (JSON.parse makes one) stays a field.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, field === '*' || key === field ? redactAt(item, rest) : item]),
  );
}
