/**
 * Streams a run's `stats/` and `timings/` folders into per-stage totals. Objects are listed
 * once and read in bounded batches, so a run of 10,000 shards costs 20,000 small GETs and
 * constant memory apart from the evenly thinned shard lists kept for the galleries.
 */
import type { ShardStats, WrittenShard } from '../../core/contracts';
import { mapLimit } from '../handlers/concurrency';
import { addCounts } from '../handlers/shard-loop';
import { rejectShardsOf } from '../../core/manifests';
import { readJson } from '../shards/json-io';
import { storageFor } from '../shards/storage';
import { joinUri } from '../../core/uri';
import { addHistograms, type StatHistogram } from '../../core/ops/stats';
import type { ShardRef, StageAggregate } from './types';

const READ_BATCH = 256;
const READ_CONCURRENCY = 32;
/** Shard refs kept per stage and kind for the galleries; thinned evenly when exceeded. */
const MAX_SHARD_REFS = 64;
/** lib-storage's part size used by S3Storage: a tar over it is a multipart upload. */
export const S3_PART_BYTES = 8 * 1024 * 1024;

interface TimingsFile {
  readonly segment?: number;
  readonly wallMs?: number;
  readonly cpuMs?: number;
  readonly ms?: Readonly<Record<string, number>>;
}

class StageTotals {
  in = 0;
  kept = 0;
  rejected: Record<string, number> = {};
  shardsDone = 0;
  keptBytes = 0;
  rejectBytes = 0;
  segmentTasks = 0;
  tarPutRequests = 0;
  opMs: Record<string, number> = {};
  taskWallMs = 0;
  taskCpuMs = 0;
  keptShards = new ThinnedList(MAX_SHARD_REFS);
  rejectShards = new ThinnedList(MAX_SHARD_REFS);
  /** `<op>\0<stat>` → run-wide histogram: fixed bins, so shards add bin by bin. */
  histograms = new Map<string, StatHistogram>();
  constructor(readonly name: string) {}

  addStats(stats: ShardStats): void {
    this.in += stats.in;
    this.kept += stats.kept;
    this.rejected = addCounts(this.rejected, stats.rejected);
    this.shardsDone += 1;
    this.keptBytes += stats.output.bytes;
    this.tarPutRequests += putRequestsFor(stats.output.bytes);
    if (stats.output.samples > 0) this.keptShards.add(refOf(stats.output));
    for (const rejects of rejectShardsOf(stats)) {
      this.rejectBytes += rejects.bytes;
      this.tarPutRequests += putRequestsFor(rejects.bytes);
      if (rejects.samples > 0) this.rejectShards.add(refOf(rejects));
    }
    for (const histogram of stats.histograms ?? []) {
      const id = `${histogram.op}\u0000${histogram.stat}`;
      const seen = this.histograms.get(id);
      this.histograms.set(id, seen ? addHistograms(seen, histogram) : histogram);
    }
  }

  addTimings(timings: TimingsFile): void {
    this.segmentTasks += 1;
    if (Number.isFinite(timings.wallMs)) this.taskWallMs += timings.wallMs!;
    if (Number.isFinite(timings.cpuMs)) this.taskCpuMs += timings.cpuMs!;
    for (const [op, ms] of Object.entries(timings.ms ?? {})) {
      if (typeof ms === 'number' && Number.isFinite(ms)) this.opMs[op] = (this.opMs[op] ?? 0) + ms;
    }
  }

  result(): StageAggregate {
    return {
      name: this.name,
      counts: { in: this.in, kept: this.kept, rejected: this.rejected },
      shardsDone: this.shardsDone,
      keptBytes: this.keptBytes,
      rejectBytes: this.rejectBytes,
      segmentTasks: this.segmentTasks,
      tarPutRequests: this.tarPutRequests,
      opMs: this.opMs,
      taskWallMs: this.taskWallMs,
      taskCpuMs: this.taskCpuMs,
      keptShards: this.keptShards.items(),
      rejectShards: this.rejectShards.items(),
      histograms: [...this.histograms.values()],
    };
  }
}

/** Per-stage totals of every stats marker and timings file under the run root. */
export async function aggregateStages(runRoot: string): Promise<StageAggregate[]> {
  const stages = new Map<string, StageTotals>();
  const stageOf = (name: string): StageTotals => {
    let totals = stages.get(name);
    if (!totals) stages.set(name, (totals = new StageTotals(name)));
    return totals;
  };
  await forEachJson<ShardStats>(joinUri(runRoot, 'stats/'), (stage, stats) =>
    stageOf(stage).addStats(stats),
  );
  await forEachJson<TimingsFile>(joinUri(runRoot, 'timings/'), (stage, timings) =>
    stageOf(stage).addTimings(timings),
  );
  return [...stages.values()].map((totals) => totals.result());
}

/** Reads every `<prefix><stage>/<name>.json` in batches; other objects are ignored. */
async function forEachJson<T>(
  prefixUri: string,
  visit: (stage: string, value: T) => void,
): Promise<void> {
  let batch: { stage: string; uri: string }[] = [];
  const flush = async (): Promise<void> => {
    const values = await mapLimit(batch, READ_CONCURRENCY, (entry) => readJson<T>(entry.uri));
    values.forEach((value, i) => visit(batch[i]!.stage, value));
    batch = [];
  };
  for await (const object of storageFor(prefixUri).list(prefixUri)) {
    const rest = object.uri.slice(prefixUri.length);
    const match = /^([^/]+)\/[^/]+\.json$/.exec(rest);
    if (!match) continue;
    batch.push({ stage: match[1]!, uri: object.uri });
    if (batch.length >= READ_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
}

function putRequestsFor(bytes: number): number {
  // A single PUT below one part; above, create + parts + complete.
  return bytes <= S3_PART_BYTES ? 1 : Math.ceil(bytes / S3_PART_BYTES) + 2;
}

function refOf(shard: WrittenShard): ShardRef {
  return { uri: shard.uri, samples: shard.samples };
}

/**
 * Keeps at most `cap` items spread evenly over everything added, without knowing the total in
 * advance: when full, every other item is dropped and the stride doubles.
 */
export class ThinnedList<T = ShardRef> {
  private kept: T[] = [];
  private stride = 1;
  private seen = 0;
  constructor(private readonly cap: number) {}

  add(item: T): void {
    if (this.seen++ % this.stride !== 0) return;
    this.kept.push(item);
    if (this.kept.length >= this.cap) {
      this.kept = this.kept.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  items(): readonly T[] {
    return this.kept;
  }
}
