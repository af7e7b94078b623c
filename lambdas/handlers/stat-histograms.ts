/**
 * What the shard loop does with the numbers operators measure (core/ops/stats.ts): counts them
 * into fixed-bin histograms per operator use and stat (for the stats marker, merged run-wide by
 * the report), and writes a kept sample's measurements into its json under `vlmflow.stats`,
 * keyed by operator label, in chain order.
 */
import type { OperatorDeclaration } from '../../core/ops/operator';
import { jsonObjectOf, withParts, type Sample } from '../../core/ops/sample';
import {
  binOf,
  isStatList,
  roundStat,
  type KeptSide,
  type MeasuredStats,
  type StatHistogram,
  type StatSpec,
  type StatValue,
} from '../../core/ops/stats';
import { ShardError } from '../../core/errors';
import type { Measurement } from './chain-step';

/** What the loop knows of an operator use that measures: its label, declared stats and arguments. */
export interface MeasuringUse {
  /** The use's label in its stage (`image.size`, `image.size#2`): json key and histogram name. */
  readonly label: string;
  readonly specs: NonNullable<OperatorDeclaration['stats']>;
  /** The use's validated arguments, after per-run overrides: where thresholds are read. */
  readonly args: Readonly<Record<string, unknown>>;
}

interface Counts {
  readonly histogram: Omit<StatHistogram, 'kept' | 'rejected'>;
  readonly kept: number[];
  readonly rejected: number[];
  readonly bins: NonNullable<StatSpec['bins']>;
}

export class StatHistograms {
  private readonly byName = new Map<string, Counts>();

  /** Counts one operator's measurements of one sample, on the side the operator put it. */
  observe(use: MeasuringUse, stats: MeasuredStats, passed: boolean): void {
    for (const [name, value] of Object.entries(stats)) {
      const spec = use.specs[name];
      if (!spec)
        throw new ShardError(
          `operator ${use.label} measured "${name}", which its declaration's stats do not list (${Object.keys(use.specs).join(', ') || 'none'})`,
        );
      if (!spec.bins) continue;
      for (const [stat, key, number] of numbersOf(name, value))
        this.count(use, stat, spec, key, number, passed);
    }
  }

  /** The histograms in the order first seen (the loop writes samples in input order). */
  result(): StatHistogram[] {
    return [...this.byName.values()].map(({ histogram, kept, rejected }) => ({
      ...histogram,
      kept,
      rejected,
    }));
  }

  private count(
    use: MeasuringUse,
    stat: string,
    spec: StatSpec,
    key: string | undefined,
    value: number,
    passed: boolean,
  ): void {
    const id = `${use.label}\u0000${stat}`;
    let counts = this.byName.get(id);
    if (!counts) {
      const bins = spec.bins!;
      const thresholds = thresholdsOf(spec, use.args, key);
      counts = {
        histogram: {
          op: use.label,
          stat,
          label: spec.label,
          min: bins.min,
          max: bins.max,
          ...(bins.log ? { log: true } : {}),
          ...(thresholds.length > 0 ? { thresholds } : {}),
        },
        kept: new Array<number>(bins.count).fill(0),
        rejected: new Array<number>(bins.count).fill(0),
        bins,
      };
      this.byName.set(id, counts);
    }
    if (!Number.isFinite(value)) return;
    (passed ? counts.kept : counts.rejected)[binOf(value, counts.bins)]! += 1;
  }
}

/** Every number in a stat value, with the histogram it goes to: `scores.porn` for a record's key. */
function numbersOf(name: string, value: StatValue): [string, string | undefined, number][] {
  if (typeof value === 'number') return [[name, undefined, value]];
  if (typeof value === 'string') return [];
  if (isStatList(value))
    return value.flatMap((v) =>
      typeof v === 'number' ? [[name, undefined, v] as [string, undefined, number]] : [],
    );
  return Object.entries(value).flatMap(([key, v]) =>
    numbersOf(`${name}.${key}`, v).map(([stat, , n]): [string, string, number] => [stat, key, n]),
  );
}

/** The run's threshold values for a stat (a record argument: its value for `key`). */
function thresholdsOf(
  spec: StatSpec,
  args: Readonly<Record<string, unknown>>,
  key: string | undefined,
): { arg: string; value: number; keeps: KeptSide }[] {
  return (spec.thresholds ?? []).flatMap(({ arg, keeps }) => {
    const given = args[arg];
    const value =
      typeof given === 'object' && given !== null && key !== undefined
        ? (given as Record<string, unknown>)[key]
        : given;
    return typeof value === 'number' && Number.isFinite(value) ? [{ arg, value, keeps }] : [];
  });
}

/**
 * The kept sample with its measurements in json `vlmflow.stats.<label>` (earlier stages' kept,
 * a label measured again replaced). A sample whose json is not an object is left as it is.
 */
export function withStatsInJson(sample: Sample, measured: readonly Measurement[]): Sample {
  const json = jsonObjectOf(sample);
  if (!json) return sample;
  const vlmflow =
    typeof json.vlmflow === 'object' && json.vlmflow !== null && !Array.isArray(json.vlmflow)
      ? (json.vlmflow as Record<string, unknown>)
      : {};
  const stats: Record<string, unknown> =
    typeof vlmflow.stats === 'object' && vlmflow.stats !== null
      ? { ...(vlmflow.stats as Record<string, unknown>) }
      : {};
  for (const { link, stats: values } of measured) {
    const label = link.measures?.label ?? link.op;
    stats[label] = Object.fromEntries(
      Object.entries(values).map(([name, value]) => [name, roundStat(value)]),
    );
  }
  const out = { ...json, vlmflow: { ...vlmflow, stats } };
  return withParts(sample, { json: Buffer.from(JSON.stringify(out)) });
}
