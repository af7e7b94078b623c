/**
 * The one loop that runs a fused operator chain over a shard. Operators only say keep or
 * reject; this loop alone counts (`in`, `kept`, `rejected["<op>:<reason>"]`), so every sample
 * that enters leaves kept or rejected with a reason.
 */
import type { OperatorInstance } from '../ops/operator';
import type { Sample } from '../ops/sample';
import { ShardError, messageOf } from './errors';
import type { SourceRecord } from '../sources/records';
import { tagRejected, type RejectTag } from './reject-tag';

export interface ChainLink {
  readonly op: string;
  readonly instance: OperatorInstance<string>;
}

export interface SampleSink {
  add(sample: Sample): unknown;
}

export interface LoopCounts {
  readonly in: number;
  readonly kept: number;
  readonly rejected: Record<string, number>;
}

export interface LoopResult extends LoopCounts {
  /** Milliseconds spent in each operator, by op (`op#2` for a second use in the chain). */
  readonly timingsMs: Record<string, number>;
}

/** Rejects found by the tar codec are counted as `tar:<reason>`. */
export const TAR_OP = 'tar';

export async function runShardLoop(
  records: AsyncIterable<SourceRecord>,
  chain: readonly ChainLink[],
  sinks: { readonly kept: SampleSink; readonly rejected: SampleSink },
): Promise<LoopResult> {
  const labels = timingLabels(chain);
  const timingsMs: Record<string, number> = Object.fromEntries(labels.map((label) => [label, 0]));
  const rejected: Record<string, number> = {};
  let seen = 0;
  let kept = 0;

  const reject = async (sample: Sample, tag: RejectTag): Promise<void> => {
    const reason = `${tag.op}:${tag.reason}`;
    rejected[reason] = (rejected[reason] ?? 0) + 1;
    await sinks.rejected.add(tagRejected(sample, tag));
  };

  for await (const record of records) {
    seen++;
    if (record.kind === 'invalid') {
      await reject(
        { key: record.key, parts: record.parts },
        // The codec gives unusable keys ('', '../x', a reused key) a stand-in; keep the original.
        // PDF and JSON-lines readers name themselves (`pdf:damaged`); tar records are `tar:`.
        {
          op: 'op' in record ? record.op : TAR_OP,
          reason: record.reason,
          detail: record.detail,
          key: record.rawKey,
        },
      );
      continue;
    }
    const original = record.sample;
    let current = original;
    let rejectedBy: RejectTag | undefined;
    for (const [index, link] of chain.entries()) {
      const started = performance.now();
      const outcome = await processOrExplain(link, current);
      timingsMs[labels[index]!]! += performance.now() - started;
      if (!outcome.keep) {
        // Deferred work would have run before this operator: its failure takes precedence.
        const settled = current.deferred ? await settle(current, timingsMs) : undefined;
        rejectedBy =
          settled && !settled.keep
            ? settled.tag
            : { op: link.op, reason: outcome.reason, detail: outcome.detail };
        break;
      }
      current = outcome.sample;
    }
    if (!rejectedBy && current.deferred) {
      const settled = await settle(current, timingsMs);
      if (settled.keep) current = settled.sample;
      else rejectedBy = settled.tag;
    }
    // A rejected sample is written as it entered the chain, not as a transform left it.
    if (rejectedBy) await reject(original, rejectedBy);
    else {
      kept++;
      await sinks.kept.add(current);
    }
  }
  return { in: seen, kept, rejected: sortedCounts(rejected), timingsMs };
}

/** Runs the work an operator deferred (Sample.deferred); its time counts as that operator's. */
async function settle(
  sample: Sample,
  timingsMs: Record<string, number>,
): Promise<{ keep: true; sample: Sample } | { keep: false; tag: RejectTag }> {
  const work = sample.deferred!;
  const started = performance.now();
  let settled;
  try {
    settled = await work.settle(sample);
  } catch (error) {
    throw new ShardError(
      `operator ${work.op} failed on sample "${sample.key}": ${messageOf(error)}`,
      { cause: error },
    );
  }
  if (work.op in timingsMs) timingsMs[work.op]! += performance.now() - started;
  return settled.keep
    ? { keep: true, sample: settled.sample }
    : { keep: false, tag: { op: work.op, reason: settled.reason, detail: settled.detail } };
}

async function processOrExplain(link: ChainLink, sample: Sample) {
  try {
    return await link.instance.process(sample);
  } catch (error) {
    throw new ShardError(
      `operator ${link.op} failed on sample "${sample.key}": ${messageOf(error)}`,
      { cause: error },
    );
  }
}

function timingLabels(chain: readonly ChainLink[]): string[] {
  const uses = new Map<string, number>();
  return chain.map(({ op }) => {
    const use = (uses.get(op) ?? 0) + 1;
    uses.set(op, use);
    return use === 1 ? op : `${op}#${use}`;
  });
}

/** Counts with keys in sorted order, so that their JSON is the same bytes on every run. */
export function sortedCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** Adds reject counts of several segments (or shards). */
export function addCounts(
  ...all: readonly Readonly<Record<string, number>>[]
): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const counts of all)
    for (const [reason, n] of Object.entries(counts)) sum[reason] = (sum[reason] ?? 0) + n;
  return sortedCounts(sum);
}

export function totalRejected(rejected: Readonly<Record<string, number>>): number {
  return Object.values(rejected).reduce((sum, n) => sum + n, 0);
}

/** in = kept + Σ rejected, or the shard fails: nothing may be dropped silently. */
export function assertBalanced(counts: LoopCounts, where: string): void {
  const rejected = totalRejected(counts.rejected);
  if (counts.in !== counts.kept + rejected) {
    throw new ShardError(
      `${where}: counts do not balance: in ${counts.in} != kept ${counts.kept} + rejected ${rejected}`,
    );
  }
}
