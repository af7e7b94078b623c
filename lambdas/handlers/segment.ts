/**
 * One segment of a stage over one shard: read its input (the original shard, or the previous
 * segment's output), run the fused chain, write kept and rejected samples, then the counts.
 * The last segment merges every segment's counts into the stats marker, written last.
 */
import type { OperatorRegistry } from '../ops/index';
import { instantiateUse } from '../ops/instantiate';
import { implicitPrefixes } from '../../core/implicit-args';
import { readJson, writeJson } from '../shards/json-io';
import { isNotFound } from '../shards/not-found';
import {
  readRecords,
  recordSourceOf,
  regroupingIfNeeded,
  type RecordSource,
} from '../sources/records';
import { UngroupedShardError } from '../shards/tar-reader';
import { ShardWriter } from '../shards/tar-writer';
import { storageFor } from '../shards/storage';
import type {
  ShardEvent,
  ShardResult,
  ShardStats,
  ShardTask,
  WrittenShard,
} from '../../core/contracts';
import { ShardError, messageOf } from '../../core/errors';
import {
  keptShardUri,
  rejectsShardUri,
  segmentShardUri,
  segmentStatsUri,
  statsUri,
  timingsUri,
} from '../../core/layout';
import type { SegmentStats } from '../../core/manifests';
import { taggedAs } from '../../core/object-tags';
import {
  addCounts,
  assertBalanced,
  runShardLoop,
  type ChainLink,
  type LoopOptions,
  type LoopResult,
} from './shard-loop';

export async function runSegment(
  event: ShardEvent,
  registry: OperatorRegistry,
  options: LoopOptions = {},
): Promise<ShardResult> {
  const { task, segment } = event;
  const where = describe(task, segment);
  if (!Number.isInteger(segment) || segment < 0 || segment >= task.segments.length) {
    throw new ShardError(`${where}: no such segment (the stage has ${task.segments.length})`);
  }
  const last = segment === task.segments.length - 1;
  const { runRoot, stage, item } = task;

  // Idempotent: a retried or re-run shard returns what it counted the first time.
  const done = await readIfExists<ShardStats>(statsUri(runRoot, stage, item.key));
  if (done) return resultOf(done);
  if (!last) {
    const partial = await readIfExists<SegmentStats>(
      segmentStatsUri(runRoot, stage, segment, item.key),
    );
    if (partial) return resultOf(partial);
  }

  // The last segment needs every earlier one's counts: check before doing the work.
  const earlier = last
    ? await Promise.all(
        Array.from({ length: segment }, (_, i) => readEarlierSegment(task, i, where)),
      )
    : [];
  const input = segment === 0 ? item.uri : segmentShardUri(runRoot, stage, segment - 1, item.key);
  const output = last
    ? keptShardUri(runRoot, stage, item.key)
    : segmentShardUri(runRoot, stage, segment, item.key);
  // Segment 0 reads the source's own format; later segments read the previous segment's tar.
  const source = recordSourceOf(task, segment);
  const cpuAtStart = process.cpuUsage();
  const startedAt = performance.now();
  // A second attempt (tar not grouped by key) starts with fresh operator state.
  const { loop, kept, rejects } = await regroupingIfNeeded(async (regroupMaxBytes) =>
    processShard(
      input,
      { ...source, ...(regroupMaxBytes === undefined ? {} : { regroupMaxBytes }) },
      { uri: output, intermediate: !last },
      rejectsShardUri(runRoot, stage, item.key, segment),
      await instantiateChain(task, segment, registry),
      where,
      // Kept samples carry their measurements unless the run says not to (docs/report.md).
      { statsInJson: task.params.statsInJson !== false, ...options },
    ),
  );
  assertBalanced(loop, where);
  const cpu = process.cpuUsage(cpuAtStart);
  await writeJson(timingsUri(runRoot, stage, item.key, segment), {
    stage,
    shard: item.key,
    segment,
    // The task's wall time, and the CPU time of the process meanwhile (all its threads): the
    // shard's own where one shard runs per process (Lambda, local worker processes).
    wallMs: Math.round(performance.now() - startedAt),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    inFlight: options.inFlight ?? 1,
    // Per operator; with several samples in flight these overlap and add up to more than wallMs.
    ms: Object.fromEntries(
      Object.entries(loop.timingsMs).map(([op, ms]) => [op, Math.round(ms * 1000) / 1000]),
    ),
  });
  const stats: SegmentStats = {
    stage,
    shard: item.key,
    segment,
    input,
    in: loop.in,
    kept: loop.kept,
    rejected: loop.rejected,
    output: kept,
    rejects,
    ...(loop.histograms.length > 0 ? { histograms: loop.histograms } : {}),
  };
  if (!last) {
    await writeJson(segmentStatsUri(runRoot, stage, segment, item.key), stats, taggedAs('tmp'));
    return resultOf(stats);
  }
  const merged = mergeSegments([...earlier, stats], item.uri, where);
  await writeJson(statsUri(runRoot, stage, item.key), merged);
  await removeIntermediates(task, segment);
  return resultOf(merged);
}

/** One instance per operator use, created for this shard; a bad configuration fails the shard. */
async function instantiateChain(
  task: ShardTask,
  segment: number,
  registry: OperatorRegistry,
): Promise<ChainLink[]> {
  const uses = task.segments[segment]!.ops;
  // Run values of implicit operator parameters (`<stage>.<op label>.<arg>`) apply here.
  const prefixes = implicitPrefixes(task.stage, task.segments)[segment]!;
  const chain: ChainLink[] = [];
  for (const [index, use] of uses.entries()) {
    try {
      const prefix = prefixes[index]!;
      const { instance, declaration, args } = await instantiateUse(
        use,
        registry,
        task.params,
        { runRoot: task.runRoot, shardKey: task.item.key },
        prefix,
      );
      const label = prefix.slice(task.stage.length + 1);
      chain.push({
        op: use.op,
        instance,
        ...(declaration.stats ? { measures: { label, specs: declaration.stats, args } } : {}),
      });
    } catch (error) {
      throw new ShardError(
        `${describe(task, segment)}: operator #${index + 1} (${use.op}): ${messageOf(error)}`,
        { cause: error },
      );
    }
  }
  return chain;
}

async function processShard(
  inputUri: string,
  source: RecordSource,
  kept: { readonly uri: string; readonly intermediate: boolean },
  rejectsUri: string,
  chain: readonly ChainLink[],
  where: string,
  options: LoopOptions,
): Promise<{ loop: LoopResult; kept: WrittenShard; rejects: WrittenShard }> {
  // A segment's output that a later segment reads is temporary; the stage's output is not.
  const keptWriter = new ShardWriter(
    kept.uri,
    storageFor(kept.uri),
    kept.intermediate ? taggedAs('tmp') : {},
  );
  const rejectsWriter = new ShardWriter(rejectsUri, storageFor(rejectsUri), taggedAs('rejects'));
  try {
    const loop = await runShardLoop(
      readRecords(inputUri, source),
      chain,
      { kept: keptWriter, rejected: rejectsWriter },
      options,
    );
    return { loop, kept: await keptWriter.close(), rejects: await rejectsWriter.close() };
  } catch (error) {
    await Promise.allSettled([keptWriter.abort(), rejectsWriter.abort()]);
    if (error instanceof ShardError || error instanceof UngroupedShardError) throw error;
    throw new ShardError(`${where}: ${messageOf(error)}`, { cause: error });
  }
}

async function readEarlierSegment(
  task: ShardTask,
  segment: number,
  where: string,
): Promise<SegmentStats> {
  const uri = segmentStatsUri(task.runRoot, task.stage, segment, task.item.key);
  const stats = await readIfExists<SegmentStats>(uri);
  if (!stats) throw new ShardError(`${where}: segment ${segment} has not finished (no ${uri})`);
  return stats;
}

/** Stage counts from its segments: in of the first, kept of the last, rejects of all. */
export function mergeSegments(
  segments: readonly SegmentStats[],
  input: string,
  where: string,
): ShardStats {
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  for (let i = 1; i < segments.length; i++) {
    if (segments[i]!.in !== segments[i - 1]!.kept) {
      throw new ShardError(
        `${where}: segment ${i} read ${segments[i]!.in} samples but segment ${i - 1} kept ${segments[i - 1]!.kept}`,
      );
    }
  }
  const stats: ShardStats = {
    stage: last.stage,
    shard: last.shard,
    input,
    in: first.in,
    kept: last.kept,
    rejected: addCounts(...segments.map((s) => s.rejected)),
    output: last.output,
    rejects: first.rejects,
    ...(segments.length > 1 ? { rejectsBySegment: segments.map((s) => s.rejects) } : {}),
    ...histogramsOf(segments),
  };
  assertBalanced(stats, where);
  return stats;
}

/** Every segment's histograms: operator labels are unique across a stage's segments. */
function histogramsOf(segments: readonly SegmentStats[]): Pick<ShardStats, 'histograms'> {
  const all = segments.flatMap((s) => s.histograms ?? []);
  return all.length > 0 ? { histograms: all } : {};
}

/** The intermediate shards are copies of data; once the marker is written nothing reads them. */
async function removeIntermediates(task: ShardTask, lastSegment: number): Promise<void> {
  for (let i = 0; i < lastSegment; i++) {
    const uri = segmentShardUri(task.runRoot, task.stage, i, task.item.key);
    await storageFor(uri)
      .delete(uri)
      .catch(() => undefined);
  }
}

async function readIfExists<T>(uri: string): Promise<T | undefined> {
  try {
    return await readJson<T>(uri);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function resultOf(
  stats: Pick<ShardStats, 'stage' | 'shard' | 'in' | 'kept' | 'rejected'>,
): ShardResult {
  return {
    stage: stats.stage,
    shard: stats.shard,
    in: stats.in,
    kept: stats.kept,
    rejected: stats.rejected,
  };
}

function describe(task: ShardTask, segment: number): string {
  return `stage "${task.stage}" shard "${task.item.key}" segment ${segment}`;
}
