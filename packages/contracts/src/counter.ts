/**
 * A business counter kept in Redis by @platform/counters and exported to Prometheus by
 * metrics-exporter, which learns it from Redis: a counter is declared next to the code that
 * counts, and nothing else lists it. The name is the Prometheus metric name; label values must
 * stay from a small, fixed set (never ids or emails).
 */
export interface CounterContract<Label extends string = string> {
  readonly name: string;
  /** The HELP line of the exported metric: what one increment means. */
  readonly help: string;
  /** The label names, in the order they are kept in Redis. */
  readonly labels: readonly Label[];
}

/** A Prometheus counter name; `_total` also keeps it apart from the layout's own keys (counter-keys.ts). */
const COUNTER_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*_total$/;
/** A Prometheus label name (no `__` prefix, reserved); it never holds `,` or `=`, which the layout uses. */
const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Declares a counter; throws when the name or a label is not one Prometheus accepts. */
export function defineCounter<const Label extends string = never>(definition: {
  name: string;
  help: string;
  labels?: readonly Label[];
}): CounterContract<Label> {
  const { name, help, labels = [] } = definition;
  const problems: string[] = [];
  if (!COUNTER_NAME.test(name)) problems.push(`the name must be a Prometheus metric name ending in _total`);
  if (help.trim() === '') problems.push('help must say what the counter counts');
  for (const label of labels) if (!LABEL_NAME.test(label)) problems.push(`label "${label}" is not a Prometheus label name`);
  if (new Set(labels).size !== labels.length) problems.push('a label is declared twice');
  if (problems.length > 0) throw new TypeError(`counter ${name}: ${problems.join('; ')}`);
  return Object.freeze({ name, help, labels: Object.freeze([...labels]) });
}
