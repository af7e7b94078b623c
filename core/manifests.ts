/**
 * The JSON documents a stage leaves for its readers: datasets/<name>/manifest.json, written
 * by Finalize (a curated dataset) or by Mix (a weighted mixture of datasets). The training job
 * and `vlmflow report` read them.
 */
import type { StatHistogram } from './ops/stats';
import type { Lineage, RejectCounts, ShardStats, StageCounts, WrittenShard } from './contracts';

export interface DatasetShard {
  readonly key: string;
  readonly uri: string;
  readonly samples: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface FailedShard {
  readonly key: string;
  readonly uri: string;
  /** From the map run's ResultWriter when it named the failure. */
  readonly error?: string;
  readonly cause?: string;
}

export interface DatasetManifest {
  readonly kind: 'dataset';
  readonly name: string;
  readonly pipeline: string;
  readonly runId: string;
  readonly shards: readonly DatasetShard[];
  readonly counts: StageCounts;
  readonly rejects: readonly { readonly uri: string; readonly samples: number }[];
  readonly failedShards: readonly FailedShard[];
  readonly lineage: Lineage;
}

export interface MixtureComponent {
  readonly dataset: string;
  readonly manifestUri: string;
  readonly weight: number;
  /** Samples in the dataset. */
  readonly available: number;
  /** Samples the mixture takes from it (more than available when upsampled). */
  readonly samples: number;
}

export interface MixtureShard {
  readonly dataset: string;
  readonly uri: string;
  /** Read the first `take` samples of the shard (all of them unless it is the last one taken). */
  readonly take: number;
  readonly samples: number;
  readonly sha256: string;
}

export interface MixtureManifest {
  readonly kind: 'mixture';
  readonly name: string;
  readonly pipeline: string;
  readonly runId: string;
  readonly components: readonly MixtureComponent[];
  readonly shards: readonly MixtureShard[];
  readonly total: number;
  readonly seed: number;
  readonly lineage: Lineage;
}

/** Partial counts of a segment that is not its stage's last: tmp/<stage>/<i>/<shard>.json. */
export interface SegmentStats {
  readonly stage: string;
  readonly shard: string;
  readonly segment: number;
  readonly input: string;
  readonly in: number;
  readonly kept: number;
  readonly rejected: RejectCounts;
  readonly output: WrittenShard;
  readonly rejects: WrittenShard;
  readonly histograms?: readonly StatHistogram[];
}

/** Every rejects shard a shard's stats point at, in segment order. */
export function rejectShardsOf(stats: ShardStats): readonly WrittenShard[] {
  return stats.rejectsBySegment ?? [stats.rejects];
}
