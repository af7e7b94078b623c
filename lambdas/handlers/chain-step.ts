/**
 * One step of a sample through the fused chain, shared by the shard loop's two ways of running
 * it (a group at a time for batching operators, several samples in flight otherwise): call an
 * operator with a clear error, record its outcome, settle deferred work.
 */
import type { Outcome } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import type { MeasuredStats } from '../../core/ops/stats';
import { ShardError, operatorFailure } from '../../core/errors';
import type { RejectTag } from './reject-tag';
import type { ChainLink } from './shard-loop';

/** A sample on its way through the chain. */
export interface InFlight {
  readonly original: Sample;
  current: Sample;
  rejectedBy?: RejectTag;
  /** What operators measured on it, in chain order, and whether each passed it. */
  measured?: Measurement[];
}

export interface Measurement {
  readonly link: ChainLink;
  readonly stats: MeasuredStats;
  readonly passed: boolean;
}

/** Keeps what an operator measured on the sample, for the histograms and the kept json. */
export function recordMeasured(item: InFlight, link: ChainLink, outcome: Outcome<string>): void {
  if (!outcome.stats || Object.keys(outcome.stats).length === 0) return;
  (item.measured ??= []).push({ link, stats: outcome.stats, passed: outcome.keep });
}

/** Takes an operator's outcome; a reject first settles deferred work, whose failure comes first. */
export async function applyOutcome(
  item: InFlight,
  link: ChainLink,
  outcome: Outcome<string>,
  timingsMs: Record<string, number>,
): Promise<void> {
  recordMeasured(item, link, outcome);
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
}

/** At the end of the chain: the work still deferred is done now (or rejects the sample). */
export async function settleRemaining(
  item: InFlight,
  timingsMs: Record<string, number>,
): Promise<void> {
  if (item.rejectedBy || !item.current.deferred) return;
  const settled = await settle(item.current, timingsMs);
  if (settled.keep) item.current = settled.sample;
  else item.rejectedBy = settled.tag;
}

/** Runs the work an operator deferred (Sample.deferred); its time counts as that operator's. */
export async function settle(
  sample: Sample,
  timingsMs: Record<string, number>,
): Promise<{ keep: true; sample: Sample } | { keep: false; tag: RejectTag }> {
  const work = sample.deferred!;
  const started = performance.now();
  let settled;
  try {
    settled = await work.settle(sample);
  } catch (error) {
    throw operatorFailure(work.op, [sample.key], error);
  }
  if (work.op in timingsMs) timingsMs[work.op]! += performance.now() - started;
  return settled.keep
    ? { keep: true, sample: settled.sample }
    : { keep: false, tag: { op: work.op, reason: settled.reason, detail: settled.detail } };
}

export async function processBatchOrExplain(
  link: ChainLink,
  samples: readonly Sample[],
): Promise<readonly Outcome<string>[]> {
  const keys = () => samples.map((s) => `"${s.key}"`).join(', ');
  let outcomes: readonly Outcome<string>[];
  try {
    outcomes = await link.instance.processBatch!(samples);
  } catch (error) {
    throw operatorFailure(
      link.op,
      samples.map((s) => s.key),
      error,
    );
  }
  if (outcomes.length !== samples.length)
    throw new ShardError(
      `operator ${link.op} returned ${outcomes.length} outcomes for ${samples.length} samples (${keys()})`,
    );
  return outcomes;
}

export async function processOrExplain(link: ChainLink, sample: Sample) {
  try {
    return await link.instance.process(sample);
  } catch (error) {
    throw operatorFailure(link.op, [sample.key], error);
  }
}
