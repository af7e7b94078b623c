import type { Segment } from '../../core/contracts';
import type { OperatorUse } from '../../core/ops/operator';
import { DEDUP_REJECTS, RUN_DEDUP_KIND, type DedupMode } from '../../core/dedup-spec';
import type { SourceNode } from '../../core/ir';
import { implicitPrefixes } from '../../core/implicit-args';

/** Where a run-scoped dedup splits a stage (docs/dedup.md). */
export interface DedupSplit {
  /** Index of the filter segment; segments before it run (and are hashed) in the map before. */
  readonly segment: number;
  readonly mode: DedupMode;
  /**
   * Names its storage (`dedup/<name>/`), its plan's place in the state and its states: the
   * stage's name for its first dedup, `<stage>_<n>` for the n-th (no stage name has `_`).
   */
  readonly name: string;
  /** Its implicit parameters' prefix (`pairs.dedup.frequency`), as the shard tasks name it. */
  readonly prefix: string;
  /** The `.dedup()` arguments as written (literals or `$param` references). */
  readonly args: OperatorUse['args'];
}

export interface StageLayout {
  /** Every segment of the stage's ShardTask, the dedup filters included. */
  readonly segments: readonly Segment[];
  /** The stage's run-scoped dedups in chain order; empty without any. */
  readonly dedups: readonly DedupSplit[];
}

export function dedupNameOf(stage: string, index: number): string {
  return index === 0 ? stage : `${stage}_${index + 1}`;
}

/**
 * Consecutive operators of one function become one segment, run as one task in one pass over
 * the shard. A source without operators still copies its shards (one empty curate segment), so
 * every stage has the same outputs. A run-scoped dedup ends the segments before it and becomes
 * a segment of its own, the filter, run by the dedup function.
 */
export function stageLayoutOf(source: SourceNode): StageLayout {
  // A URL list is downloaded first, by the download function (a segment without operators).
  const segments: Segment[] = source.format === 'urls' ? [{ fn: 'download', ops: [] }] : [];
  const dedups: DedupSplit[] = [];
  let run: OperatorUse[] = [];
  for (const use of source.ops) {
    if (use.op !== RUN_DEDUP_KIND) {
      run.push(use);
      continue;
    }
    segments.push(...fuse(run));
    run = [];
    const mode = use.args.mode as DedupMode;
    const name = dedupNameOf(source.name, dedups.length);
    dedups.push({ segment: segments.length, mode, name, prefix: '', args: use.args });
    segments.push({
      fn: 'curate',
      ops: [{ op: DEDUP_REJECTS[mode].op, fn: 'curate', args: { stage: name } }],
    });
  }
  segments.push(...fuse(run));
  if (segments.length === 0) return { segments: [{ fn: 'curate', ops: [] }], dedups: [] };
  const prefixes = implicitPrefixes(source.name, segments);
  return {
    segments,
    dedups: dedups.map((d) => ({ ...d, prefix: prefixes[d.segment]![0]! })),
  };
}

export function segmentsOf(source: SourceNode): Segment[] {
  return [...stageLayoutOf(source).segments];
}

function fuse(uses: readonly OperatorUse[]): Segment[] {
  const segments: { fn: Segment['fn']; ops: OperatorUse[] }[] = [];
  for (const use of uses) {
    const last = segments.at(-1);
    if (last && last.fn === use.fn) last.ops.push(use);
    else segments.push({ fn: use.fn, ops: [use] });
  }
  return segments;
}
