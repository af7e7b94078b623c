/**
 * The one loop that runs a fused operator chain over a shard. Operators only say keep or
 * reject; this loop alone counts (`in`, `kept`, `rejected["<op>:<reason>"]`), so every sample
 * that enters leaves kept or rejected with a reason.
 */
import type { OperatorInstance, Outcome } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import { ShardError, messageOf } from '../../core/errors';
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
  // Samples go through the chain a group at a time: one sample when no operator batches,
  // else as many as the largest batch, so a batching operator sees up to that many survivors.
  const groupSize = Math.max(1, ...chain.map(({ instance }) => batchSizeOf(instance)));
  let group: InFlight[] = [];

  const flush = async (): Promise<void> => {
    await runGroup(group, chain, labels, timingsMs);
    // Written in input order, whatever order the operators finished in.
    for (const item of group) {
      if (item.rejectedBy) {
        const tag = item.rejectedBy;
        const reason = `${tag.op}:${tag.reason}`;
        rejected[reason] = (rejected[reason] ?? 0) + 1;
        // A rejected sample is written as it entered the chain, not as a transform left it.
        await sinks.rejected.add(tagRejected(item.original, tag));
      } else {
        kept++;
        await sinks.kept.add(item.current);
      }
    }
    group = [];
  };

  for await (const record of records) {
    seen++;
    if (record.kind === 'invalid') {
      const sample = { key: record.key, parts: record.parts };
      // The codec gives unusable keys ('', '../x', a reused key) a stand-in; keep the original.
      // PDF and JSON-lines readers name themselves (`pdf:damaged`); tar records are `tar:`.
      const tag: RejectTag = {
        op: 'op' in record ? record.op : TAR_OP,
        reason: record.reason,
        detail: record.detail,
        key: record.rawKey,
      };
      group.push({ original: sample, current: sample, rejectedBy: tag });
    } else group.push({ original: record.sample, current: record.sample });
    if (group.length >= groupSize) await flush();
  }
  await flush();
  return { in: seen, kept, rejected: sortedCounts(rejected), timingsMs };
}

/** A sample on its way through the chain. */
interface InFlight {
  readonly original: Sample;
  current: Sample;
  rejectedBy?: RejectTag;
}

function batchSizeOf(instance: OperatorInstance<string>): number {
  return instance.processBatch && instance.batchSize && instance.batchSize > 1
    ? Math.floor(instance.batchSize)
    : 1;
}

/** Runs the chain over a group, operator by operator; each sees the group's survivors in order. */
async function runGroup(
  group: readonly InFlight[],
  chain: readonly ChainLink[],
  labels: readonly string[],
  timingsMs: Record<string, number>,
): Promise<void> {
  const apply = async (item: InFlight, link: ChainLink, outcome: Outcome<string>) => {
    if (outcome.keep) {
      item.current = outcome.sample;
      return;
    }
    // Deferred work would have run before this operator: its failure takes precedence.
    const settled = item.current.deferred ? await settle(item.current, timingsMs) : undefined;
    item.rejectedBy =
      settled && !settled.keep
        ? settled.tag
        : { op: link.op, reason: outcome.reason, detail: outcome.detail };
  };
  for (const [index, link] of chain.entries()) {
    const label = labels[index]!;
    const alive = group.filter((item) => !item.rejectedBy);
    const size = batchSizeOf(link.instance);
    if (size > 1) {
      for (let from = 0; from < alive.length; from += size) {
        const batch = alive.slice(from, from + size);
        const started = performance.now();
        const outcomes = await processBatchOrExplain(
          link,
          batch.map((item) => item.current),
        );
        timingsMs[label]! += performance.now() - started;
        for (const [i, item] of batch.entries()) await apply(item, link, outcomes[i]!);
      }
    } else {
      for (const item of alive) {
        const started = performance.now();
        const outcome = await processOrExplain(link, item.current);
        timingsMs[label]! += performance.now() - started;
        await apply(item, link, outcome);
      }
    }
  }
  for (const item of group) {
    if (item.rejectedBy || !item.current.deferred) continue;
    const settled = await settle(item.current, timingsMs);
    if (settled.keep) item.current = settled.sample;
    else item.rejectedBy = settled.tag;
  }
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

async function processBatchOrExplain(
  link: ChainLink,
  samples: readonly Sample[],
): Promise<readonly Outcome<string>[]> {
  const keys = () => samples.map((s) => `"${s.key}"`).join(', ');
  let outcomes: readonly Outcome<string>[];
  try {
    outcomes = await link.instance.processBatch!(samples);
  } catch (error) {
    throw new ShardError(`operator ${link.op} failed on samples ${keys()}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (outcomes.length !== samples.length)
    throw new ShardError(
      `operator ${link.op} returned ${outcomes.length} outcomes for ${samples.length} samples (${keys()})`,
    );
  return outcomes;
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
