import type { CounterContract } from '@platform/contracts';

/**
 * The Redis layout of the platform counters, shared by every writer (Counters) and the one
 * reader (metrics-exporter). Persisted: change it only with a migration.
 *
 * - one hash per counter: `platform:counters:<metric name>`, e.g. `platform:counters:platform_logins_total`;
 * - one field per label set, the counter's labels in their declared order as
 *   `name=value` pairs joined by `,`, values URI-encoded: `result=success`; a counter
 *   without labels uses the empty field name `""`;
 * - the value: the total, an integer only ever incremented (HINCRBY);
 * - the index `platform:counters:index`, a hash: one field per counter name, its value the JSON
 *   `{"help": "...", "labels": ["result"]}`. A writer sets a counter's entry in the same
 *   transaction as its increments (and at start for the counters it declares), so the reader
 *   finds every counter that has a value without knowing their list. A counter name ends in
 *   `_total` (defineCounter), so no counter's hash can be the index;
 * - one marker per flushed batch, `platform:counters:batch:<batch id>`, a string with an expiry,
 *   written in the same script as the batch's increments: its presence means "this batch was
 *   applied", so a batch sent again after a lost reply is not counted twice (see
 *   counter-batch.ts). Readers ignore these keys (they find counters through the index).
 */
export const COUNTER_KEY_PREFIX = 'platform:counters:';
export const COUNTER_INDEX_KEY = `${COUNTER_KEY_PREFIX}index`;
export const COUNTER_BATCH_KEY_PREFIX = `${COUNTER_KEY_PREFIX}batch:`;

/** The labels a counter takes: exactly the names its contract declares. */
export type CounterLabels<C extends CounterContract> = Record<C['labels'][number], string>;

/** The hash that keeps `counter`. */
export function counterKey(counter: Pick<CounterContract, 'name'>): string {
  return `${COUNTER_KEY_PREFIX}${counter.name}`;
}

/** The marker that says the batch `id` was applied. */
export function batchMarkerKey(id: string): string {
  return `${COUNTER_BATCH_KEY_PREFIX}${id}`;
}

/** The hash field of one label set; throws when the names differ from the counter's. */
export function encodeLabels(counter: CounterContract, labels: Readonly<Record<string, string>>): string {
  const given = Object.keys(labels);
  const declared: readonly string[] = counter.labels;
  if (given.length !== declared.length || given.some((name) => !declared.includes(name))) {
    throw new TypeError(`${counter.name} takes the labels [${declared.join(', ')}], got [${given.join(', ')}]`);
  }
  return declared.map((name) => `${name}=${encodeURIComponent(labels[name]!)}`).join(',');
}

/** The label set of a hash field (the inverse of encodeLabels). */
export function decodeLabels(field: string): Record<string, string> {
  if (field === '') return {};
  return Object.fromEntries(
    field.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), decodeURIComponent(pair.slice(at + 1))];
    }),
  );
}

/** A counter's entry in the index (the value of its field in COUNTER_INDEX_KEY). */
export function indexEntry(counter: CounterContract): string {
  return JSON.stringify({ help: counter.help, labels: counter.labels });
}

/** The counter an index entry describes, or undefined when the entry is not one (not written by Counters). */
export function parseIndexEntry(name: string, entry: string): CounterContract | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { help, labels } = parsed as { help?: unknown; labels?: unknown };
  if (typeof help !== 'string' || !Array.isArray(labels) || !labels.every((label) => typeof label === 'string')) return undefined;
  return Object.freeze({ name, help, labels: Object.freeze([...labels]) });
}
