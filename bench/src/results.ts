import { median } from './stats.js';
import type { ScenarioId } from './settings.js';

/** One figure of one variant: its value in every round, and the median the report uses. */
export interface Figure {
  unit: string;
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export interface Table {
  title?: string;
  columns: string[];
  rows: string[][];
}

/** A target of issue 8, checked against this run. `met: null` when it could not be measured. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  reason?: string;
  durationS: number;
  /** variant -> figure name -> figure. */
  figures: Record<string, Record<string, Figure>>;
  /** Scenario-specific data (handled counts, status codes, ...). */
  extra: Record<string, unknown>;
  tables: Table[];
  notes: string[];
  targets: TargetCheck[];
}

/** Collects one value per round for each variant and figure, and reduces them to medians. */
export class Recorder {
  private readonly values = new Map<string, Map<string, { unit: string; rounds: number[] }>>();

  add(variant: string, figure: string, value: number, unit: string): void {
    let figures = this.values.get(variant);
    if (!figures) this.values.set(variant, (figures = new Map()));
    let entry = figures.get(figure);
    if (!entry) figures.set(figure, (entry = { unit, rounds: [] }));
    entry.rounds.push(value);
  }

  /** The median over rounds, NaN when never recorded. */
  median(variant: string, figure: string): number {
    return median(this.values.get(variant)?.get(figure)?.rounds ?? []);
  }

  figures(): Record<string, Record<string, Figure>> {
    const out: Record<string, Record<string, Figure>> = {};
    for (const [variant, figures] of this.values) {
      out[variant] = {};
      for (const [name, { unit, rounds }] of figures) {
        const finite = rounds.filter(Number.isFinite);
        out[variant][name] = {
          unit,
          median: median(finite),
          min: finite.length > 0 ? Math.min(...finite) : Number.NaN,
          max: finite.length > 0 ? Math.max(...finite) : Number.NaN,
          rounds,
        };
      }
    }
    return out;
  }
}

/** The variants in the order of round `round`: rotated, so none always runs first (or last). */
export function rotation<T>(variants: readonly T[], round: number): T[] {
  const shift = round % variants.length;
  return [...variants.slice(shift), ...variants.slice(0, shift)];
}

/** Milliseconds: 0.42, 3.1, 27. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value < 1 ? value.toFixed(2) : value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

/** A rate: 12,345. */
export function rate(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

/** A ratio: 0.45x. */
export function times(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';
}

/** An average count per request (Redis commands, ...): 4.03. */
export function perRequest(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : 'n/a';
}

/** A share: 45%. */
export function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a';
}

/** The range over rounds, to show the spread next to a median: "(1.2–1.9)". */
export function spread(figure: Figure | undefined, format: (value: number) => string): string {
  if (!figure || figure.rounds.length < 2) return '';
  return ` (${format(figure.min)}–${format(figure.max)})`;
}
