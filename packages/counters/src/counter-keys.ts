import { type PlatformCounter, PlatformCounters } from '@platform/contracts';

/**
 * The Redis layout of the platform counters, shared by every writer (Counters) and the one
 * reader (metrics-exporter). Persisted: change it only with a migration.
 *
 * - one hash per counter: `platform:counters:<metric name>`, e.g. `platform:counters:platform_logins_total`;
 * - one field per label set, the counter's labels in their declared order as
 *   `name=value` pairs joined by `,`, values URI-encoded: `result=success`; a counter
 *   without labels uses the empty field name `""`;
 * - the value: the total, an integer only ever incremented (HINCRBY).
 */
export const COUNTER_KEY_PREFIX = 'platform:counters:';

/** The labels a counter takes: exactly the names its contract declares. */
export type CounterLabels<C extends PlatformCounter> = Record<C['labels'][number], string>;

/** The hash that keeps `counter`. */
export function counterKey(counter: PlatformCounter): string {
  return `${COUNTER_KEY_PREFIX}${counter.name}`;
}

/** The hash field of one label set; throws when the names differ from the counter's. */
export function encodeLabels(counter: PlatformCounter, labels: Readonly<Record<string, string>>): string {
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

/** Every platform counter, in contract order. */
export const ALL_COUNTERS: readonly PlatformCounter[] = Object.values(PlatformCounters);
