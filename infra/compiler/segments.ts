import type { Segment } from '../../lambdas/handlers/contracts';
import type { SourceNode } from '../dsl/ir';

/**
 * Consecutive operators of one function become one segment, run as one task in one pass over
 * the shard. A source without operators still copies its shards (one empty curate segment), so
 * every stage has the same outputs.
 */
export function segmentsOf(source: SourceNode): Segment[] {
  const segments: { fn: Segment['fn']; ops: Segment['ops'][number][] }[] = [];
  for (const use of source.ops) {
    const last = segments.at(-1);
    if (last && last.fn === use.fn) last.ops.push(use);
    else segments.push({ fn: use.fn, ops: [use] });
  }
  return segments.length > 0 ? segments : [{ fn: 'curate', ops: [] }];
}
