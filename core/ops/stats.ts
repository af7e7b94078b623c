/**
 * Numbers an operator measures on each sample (an image's size, a blur score, a model's
 * scores), declared once with the operator (OperatorSpec.stats): fixed histogram bins and the
 * argument that thresholds each. The shard loop counts every measurement into a per-shard
 * histogram of those bins (split into samples the operator passed and those it rejected), so
 * shard summaries merge run-wide by adding counts, and writes the measurements of kept samples
 * into their json (`vlmflow.stats`, unless the run sets `statsInJson` false).
 */

/** One measured value: a number, a word (a language code), a list (one per document image, null
 * where none), or a record of numbers (a classifier's score per label). */
export type StatValue =
  | number
  | string
  | readonly (number | null)[]
  | Readonly<Record<string, number | readonly (number | null)[]>>;

export type MeasuredStats = Readonly<Record<string, StatValue>>;

/** A list value (Array.isArray does not narrow readonly arrays out of the union). */
export const isStatList = (value: StatValue): value is readonly (number | null)[] =>
  Array.isArray(value);

/** Which side of a threshold an operator keeps. */
export type KeptSide = 'above' | 'below';

export interface StatSpec {
  /** What the number is, for the report's axis: `laplacian variance (grey levels²)`. */
  readonly label: string;
  /**
   * Fixed bins (count equal-width bins from min to max, or equal-ratio with `log`); values
   * outside fall into the first or last bin. Absent: the stat goes into json only (a word).
   */
  readonly bins?: {
    readonly min: number;
    readonly max: number;
    readonly count: number;
    readonly log?: boolean;
  };
  /**
   * The arguments holding its thresholds, and the side each keeps. An argument whose value is
   * a record (model.classify's thresholds per label) thresholds the stat's keys one by one.
   */
  readonly thresholds?: readonly { readonly arg: string; readonly keeps: KeptSide }[];
}

/** A histogram of one stat of one operator use over one shard (or, merged, over a run). */
export interface StatHistogram {
  /** The operator use's label in its stage (`model.classify`, `image.size#2`). */
  readonly op: string;
  /** The stat's name; a record's keys are `<stat>.<key>` (`scores.porn`). */
  readonly stat: string;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly log?: boolean;
  /** Counts per bin of samples the operator passed, and of those it rejected. */
  readonly kept: readonly number[];
  readonly rejected: readonly number[];
  /** The run's values of the thresholding arguments (after per-run overrides). */
  readonly thresholds?: readonly {
    readonly arg: string;
    readonly value: number;
    readonly keeps: KeptSide;
  }[];
}

/** Where a value lies along the axis, 0 at min and 1 at max (ratios on a log axis). */
function axisFraction(value: number, axis: { min: number; max: number; log?: boolean }): number {
  const { min, max, log } = axis;
  return log === true
    ? (Math.log(Math.max(value, Number.MIN_VALUE)) - Math.log(min)) /
        (Math.log(max) - Math.log(min))
    : (value - min) / (max - min);
}

/** The bin of a value: 0..count-1, values outside the range in the first or last bin. */
export function binOf(value: number, bins: NonNullable<StatSpec['bins']>): number {
  const bin = Math.floor(axisFraction(value, bins) * bins.count);
  return Math.min(bins.count - 1, Math.max(0, bin));
}

/** Where a value falls in bin units: bin i spans i - 0.5 .. i + 0.5 (a category axis's places). */
export function binPosition(
  value: number,
  h: Pick<StatHistogram, 'min' | 'max' | 'log' | 'kept'>,
): number {
  const count = h.kept.length;
  return Math.min(count - 0.5, Math.max(-0.5, axisFraction(value, h) * count - 0.5));
}

/** The lower edge of bin i (the upper edge of the last bin is i = count). */
export function binEdge(i: number, h: Pick<StatHistogram, 'min' | 'max' | 'log' | 'kept'>): number {
  const at = i / h.kept.length;
  return h.log === true ? h.min * (h.max / h.min) ** at : h.min + (h.max - h.min) * at;
}

/** Adds two histograms of the same stat and bins; throws when their bins differ. */
export function addHistograms(a: StatHistogram, b: StatHistogram): StatHistogram {
  if (a.min !== b.min || a.max !== b.max || a.kept.length !== b.kept.length || a.log !== b.log)
    throw new Error(`histograms of ${a.op} ${a.stat} have different bins`);
  const add = (x: readonly number[], y: readonly number[]) => x.map((n, i) => n + y[i]!);
  return { ...a, kept: add(a.kept, b.kept), rejected: add(a.rejected, b.rejected) };
}

/** Rounded to 6 decimals: stable bytes across runs, enough to tune a threshold with. */
export function roundStat(value: StatValue): StatValue {
  if (typeof value === 'number') return round6(value);
  if (typeof value === 'string') return value;
  if (isStatList(value)) return value.map((v) => (v === null ? v : round6(v)));
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, roundStat(v) as number | (number | null)[]]),
  );
}

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;
