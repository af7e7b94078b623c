/**
 * The one loop that runs a fused operator chain over a shard. Operators only say keep or
 * reject; this loop alone counts (`in`, `kept`, `rejected["<op>:<reason>"]`), so every sample
 * that enters leaves kept or rejected with a reason.
 */
import type { OperatorInstance } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import {
  applyOutcome,
  processBatchOrExplain,
  processOrExplain,
  settleRemaining,
  type InFlight,
} from './chain-step';
import { ShardError } from '../../core/errors';
import { inFlightRunner, type SampleRunner } from './in-flight';
import { operatorLabels } from '../../core/implicit-args';
import type { SourceRecord } from '../sources/records';
import { tagRejected, type RejectTag } from './reject-tag';
import { StatHistograms, withStatsInJson, type MeasuringUse } from './stat-histograms';
import type { StatHistogram } from '../../core/ops/stats';

export interface ChainLink {
  readonly op: string;
  readonly instance: OperatorInstance<string>;
  /** The use's label, declared stats and arguments: what its measurements are counted against. */
  readonly measures?: MeasuringUse;
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
  /** Histograms of what the operators measured (core/ops/stats.ts), in order first seen. */
  readonly histograms: StatHistogram[];
}

/** Rejects found by the tar codec are counted as `tar:<reason>`. */
export const TAR_OP = 'tar';

export interface LoopOptions {
  /**
   * Most samples in the chain at once when no operator batches (default 1: one at a time).
   * Output is the same bytes whatever the number (lambdas/handlers/in-flight.ts).
   */
  readonly inFlight?: number;
  /** Write each kept sample's measurements into its json (`vlmflow.stats`); default true. */
  readonly statsInJson?: boolean;
}

export async function runShardLoop(
  records: AsyncIterable<SourceRecord>,
  chain: readonly ChainLink[],
  sinks: { readonly kept: SampleSink; readonly rejected: SampleSink },
  options: LoopOptions = {},
): Promise<LoopResult> {
  const labels = operatorLabels(chain.map(({ op }) => op));
  const timingsMs: Record<string, number> = Object.fromEntries(labels.map((label) => [label, 0]));
  const rejected: Record<string, number> = {};
  const histograms = new StatHistograms();
  let seen = 0;
  let kept = 0;
  // With a batching operator, samples go through the chain a group at a time (as many as the
  // largest batch, so it sees up to that many survivors); otherwise several may be in flight.
  const groupSize = Math.max(1, ...chain.map(({ instance }) => batchSizeOf(instance)));
  const runner =
    groupSize > 1
      ? groupRunner(chain, labels, timingsMs, groupSize)
      : inFlightRunner(chain, labels, timingsMs, options.inFlight ?? 1);

  // Written in input order, whatever order the operators finished in.
  const write = async (done: readonly InFlight[]): Promise<void> => {
    for (const item of done) {
      for (const { link, stats, passed } of item.measured ?? [])
        if (link.measures) histograms.observe(link.measures, stats, passed);
      if (item.rejectedBy) {
        const tag = item.rejectedBy;
        const reason = `${tag.op}:${tag.reason}`;
        rejected[reason] = (rejected[reason] ?? 0) + 1;
        // A rejected sample is written as it entered the chain, not as a transform left it.
        await sinks.rejected.add(tagRejected(item.original, tag));
      } else {
        kept++;
        const withStats = item.measured && options.statsInJson !== false;
        await sinks.kept.add(
          withStats ? withStatsInJson(item.current, item.measured!) : item.current,
        );
      }
    }
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
      await write(await runner.add({ original: sample, current: sample, rejectedBy: tag }));
    } else await write(await runner.add({ original: record.sample, current: record.sample }));
  }
  await write(await runner.finish());
  return {
    in: seen,
    kept,
    rejected: sortedCounts(rejected),
    timingsMs,
    histograms: histograms.result(),
  };
}

function batchSizeOf(instance: OperatorInstance<string>): number {
  return instance.processBatch && instance.batchSize && instance.batchSize > 1
    ? Math.floor(instance.batchSize)
    : 1;
}

/** Groups of `size` samples; the chain runs over each group operator by operator. */
function groupRunner(
  chain: readonly ChainLink[],
  labels: readonly string[],
  timingsMs: Record<string, number>,
  size: number,
): SampleRunner {
  let group: InFlight[] = [];
  const flush = async (): Promise<readonly InFlight[]> => {
    const done = group;
    group = [];
    await runGroup(done, chain, labels, timingsMs);
    return done;
  };
  return {
    add: async (item) => {
      group.push(item);
      return group.length >= size ? flush() : [];
    },
    finish: flush,
  };
}

/** Runs the chain over a group, operator by operator; each sees the group's survivors in order. */
async function runGroup(
  group: readonly InFlight[],
  chain: readonly ChainLink[],
  labels: readonly string[],
  timingsMs: Record<string, number>,
): Promise<void> {
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
        for (const [i, item] of batch.entries())
          await applyOutcome(item, link, outcomes[i]!, timingsMs);
      }
    } else {
      for (const item of alive) {
        const started = performance.now();
        const outcome = await processOrExplain(link, item.current);
        timingsMs[label]! += performance.now() - started;
        await applyOutcome(item, link, outcome, timingsMs);
      }
    }
  }
  for (const item of group) await settleRemaining(item, timingsMs);
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
