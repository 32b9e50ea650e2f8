import { times, type Table } from './results.js';
import { ratio } from './stats.js';

export interface ComparedVariant {
  id: string;
  /** A short name, for headers: "Nest Redis". */
  name: string;
}

/** A figure: one number per variant, formatted, and its ratio to each other variant's. */
export interface ComparedFigure {
  label: string;
  value: (variant: string) => number;
  format: (value: number) => string;
}

/** A fact that has no ratio (e.g. how many times each request was handled). */
export interface ComparedFact {
  label: string;
  text: (variant: string) => string;
}

/**
 * One variant against others, figure by figure: a row per figure with each variant's value,
 * then `subject ÷ other` for every other variant (NaN as "n/a"). Transposed from the
 * scenario's own table so that a question like "why not just use NATS?" reads in one glance.
 */
export function sideBySide({
  title,
  subject,
  others,
  rows,
}: {
  title: string;
  subject: ComparedVariant;
  others: readonly ComparedVariant[];
  rows: ReadonlyArray<ComparedFigure | ComparedFact>;
}): Table {
  const variants = [subject, ...others];
  return {
    title,
    columns: ['', ...variants.map((variant) => variant.name), ...others.map((other) => `${subject.name} ÷ ${other.name}`)],
    rows: rows.map((row) =>
      'text' in row
        ? [row.label, ...variants.map((variant) => row.text(variant.id)), ...others.map(() => '')]
        : [
            row.label,
            ...variants.map((variant) => row.format(row.value(variant.id))),
            ...others.map((other) => times(ratio(row.value(subject.id), row.value(other.id)))),
          ],
    ),
  };
}
