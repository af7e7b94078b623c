import type { Segment } from '../../core/contracts';
import type { OperatorUse } from '../../core/ops/operator';
import { DEDUP_REJECTS, RUN_DEDUP_KIND, type DedupMode } from '../../core/dedup-spec';
import type { SourceNode } from '../../core/ir';

/** Where a run-scoped dedup splits a stage (docs/dedup.md). */
export interface DedupSplit {
  /** Index of the filter segment; segments before it run (and are hashed) in the first map. */
  readonly segment: number;
  readonly mode: DedupMode;
  /** The `.dedup()` arguments as written (literals or `$param` references). */
  readonly args: OperatorUse['args'];
}

export interface StageLayout {
  /** Every segment of the stage's ShardTask, the dedup filter included. */
  readonly segments: readonly Segment[];
  readonly dedup?: DedupSplit;
}

/**
 * Consecutive operators of one function become one segment, run as one task in one pass over
 * the shard. A source without operators still copies its shards (one empty curate segment), so
 * every stage has the same outputs. A run-scoped dedup ends the segments before it and becomes
 * a segment of its own, the filter, run by the dedup function.
 */
export function stageLayoutOf(source: SourceNode): StageLayout {
  // A URL list is downloaded first, by the download function (a segment without operators).
  const download: Segment[] = source.format === 'urls' ? [{ fn: 'download', ops: [] }] : [];
  const at = source.ops.findIndex((use) => use.op === RUN_DEDUP_KIND);
  if (at < 0) {
    const segments = [...download, ...fuse(source.ops)];
    return { segments: segments.length > 0 ? segments : [{ fn: 'curate', ops: [] }] };
  }
  const use = source.ops[at]!;
  const mode = use.args.mode as DedupMode;
  const before = [...download, ...fuse(source.ops.slice(0, at))];
  const filter: Segment = {
    fn: 'curate',
    ops: [{ op: DEDUP_REJECTS[mode].op, fn: 'curate', args: { stage: source.name } }],
  };
  return {
    segments: [...before, filter, ...fuse(source.ops.slice(at + 1))],
    dedup: { segment: before.length, mode, args: use.args },
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
