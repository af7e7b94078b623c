/**
 * What a run report shows, gathered from the run folder alone (stats, timings, manifests,
 * shards, metrics), so the same code runs in the Summary Lambda and in `vlmflow report`.
 */
import type { Lineage, RunSummary, StageCounts } from '../../core/contracts';
import type { DatasetManifest, MixtureManifest } from '../../core/manifests';
import type { StatHistogram } from '../../core/ops/stats';

/** A sampled shard the galleries may read: its URI and how many samples it holds. */
export interface ShardRef {
  readonly uri: string;
  readonly samples: number;
}

/** Streamed totals of one stage's stats markers and timings files. */
export interface StageAggregate {
  readonly name: string;
  readonly counts: StageCounts;
  /** Shards with a stats marker (done). */
  readonly shardsDone: number;
  readonly keptBytes: number;
  readonly rejectBytes: number;
  /** Shard tasks run: one timings file per segment and shard. */
  readonly segmentTasks: number;
  /** PUT requests that wrote the final kept and rejects tars (multipart uploads count each part). */
  readonly tarPutRequests: number;
  /** Milliseconds per operator, summed over every shard. */
  readonly opMs: Readonly<Record<string, number>>;
  /** Shard tasks' wall and process CPU milliseconds, summed (0 for timings that lack them). */
  readonly taskWallMs: number;
  readonly taskCpuMs: number;
  /** Kept and rejects shards that hold samples, for the galleries (capped, evenly spread). */
  readonly keptShards: readonly ShardRef[];
  readonly rejectShards: readonly ShardRef[];
  /** Run-wide histograms of what the operators measured (stats markers added bin by bin). */
  readonly histograms?: readonly StatHistogram[];
}

export interface TrainingCurve {
  readonly name: string;
  readonly uri: string;
  /** [step, loss], downsampled to a bounded number of points. */
  readonly points: readonly (readonly [number, number])[];
  readonly totalPoints: number;
  readonly wallSeconds?: number;
  readonly instanceType?: string;
  /** Measured throughput and samples trained (metrics.json `samples_per_second`, steps × `samples_per_step`). */
  readonly samplesPerSecond?: number;
  readonly trainedSamples?: number;
}

export type Manifest = DatasetManifest | MixtureManifest;

export interface RunData {
  readonly runRoot: string;
  readonly pipeline: string;
  readonly runId: string;
  readonly summary?: RunSummary;
  readonly stages: readonly StageAggregate[];
  readonly manifests: Readonly<Record<string, Manifest>>;
  readonly lineage?: Lineage;
  readonly training: readonly TrainingCurve[];
  /** Each source's operator kinds in chain order (run.json), for the funnel. */
  readonly chains?: Readonly<Record<string, readonly string[]>>;
}

/** A thumbnail, or why there is none (a broken image, or the report's size budget). */
export type Thumbnail =
  | {
      readonly kind: 'image';
      readonly dataUri: string;
      readonly width: number;
      readonly height: number;
    }
  | { readonly kind: 'placeholder'; readonly text: string };

export interface SampleCard {
  readonly key: string;
  readonly shardUri: string;
  readonly thumbnail: Thumbnail;
  /** The `txt` member: the caption the sample trains on. */
  readonly caption?: string;
  /** Alt text from the json member (`alt_text` or `alt`). */
  readonly altText?: string;
  /** json `caption_model`: set when the caption is synthetic. */
  readonly captionModel?: string;
  readonly reject?: { readonly op: string; readonly reason: string; readonly detail?: string };
}

export interface StageGalleries {
  readonly stage: string;
  readonly kept: readonly SampleCard[];
  /** `<op>:<reason>` → examples found in the sampled rejects shards. */
  readonly rejects: Readonly<Record<string, readonly SampleCard[]>>;
  readonly keptShardsRead: number;
  readonly rejectShardsRead: number;
}
