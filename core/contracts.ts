/**
 * What the state machine passes to each handler and what each returns. The compiler renders
 * these shapes into ASL; the handlers validate them. Payloads carry URIs and small configs only.
 */
import type { StatHistogram } from './ops/stats';
import type { OperatorFunction, OperatorUse } from './ops/operator';
import type { ParamSpec } from './params';
import type { FormatOptions, PdfSourceOptions, SourceFormat } from './formats';

/** S3 location as Step Functions' ItemReader/ResultWriter want it; see toLocation in uri.ts. */
export interface Location {
  readonly Bucket: string;
  readonly Key: string;
}
export interface PrefixLocation {
  readonly Bucket: string;
  readonly Prefix: string;
}

export type Params = Readonly<Record<string, number | string | boolean>>;
export type RejectCounts = Readonly<Record<string, number>>;

/** The execution input; every field is optional so `{}` starts a run with all defaults. */
export interface RunInput {
  readonly runId?: string;
  readonly params?: Record<string, unknown>;
  readonly inputs?: Record<string, string>;
  readonly maxShards?: number;
  /**
   * When the run id names a run made with another definition, parameters or inputs: refuse
   * (the default, listing the differences) or write a new run `<runId>-2`, `-3`, …
   */
  readonly onChange?: 'refuse' | 'newRun';
}

export interface PlanEvent {
  readonly pipeline: string;
  readonly definitionHash: string;
  readonly version: string;
  /** Root of all runs: s3://bucket[/prefix] or file:///dir. */
  readonly dataRoot: string;
  readonly input: RunInput;
  /** Execution name; the default run id. */
  readonly executionName: string;
  readonly paramSpecs: Readonly<Record<string, ParamSpec>>;
  readonly sources: readonly {
    readonly name: string;
    readonly uri: string;
    readonly pattern: string;
    /** Added: absent = 'webdataset'. */
    readonly format?: SourceFormat;
    /** Added: the item size of a split format comes from these (urls, parquet, folder). */
    readonly urls?: FormatOptions['urls'];
    readonly parquet?: FormatOptions['parquet'];
    readonly folder?: FormatOptions['folder'];
  }[];
  /**
   * Added: the operator uses whose arguments a run may set as `<name>.<arg>` (implicit
   * parameters, docs/parameters.md). Absent: none.
   */
  readonly operators?: readonly ImplicitOperator[];
  /**
   * Added: the Batch job names of the train stages without the run id that ends them
   * (`<pipeline>-<train>-`), so Plan can check the whole name. Absent: no train stage.
   */
  readonly jobNamePrefixes?: readonly string[];
}

/** Added: one operator use of a stage and the name prefix of its implicit parameters. */
export interface ImplicitOperator {
  /** `<source>.<op label>`, e.g. `pairs.image.size` or `pairs.text.length#2`. */
  readonly name: string;
  readonly use: OperatorUse;
}

export interface StagePlan {
  /** Items for the Distributed Map: the shards not yet done. */
  readonly manifest: Location;
  /** Every input shard of the stage, done or not; Finalize reads it. */
  readonly allShards: Location;
  readonly results: PrefixLocation;
  readonly shards: number;
  readonly pending: number;
}

export interface Lineage {
  readonly pipeline: string;
  readonly definitionHash: string;
  readonly version: string;
  readonly params: Params;
  readonly inputs: Readonly<Record<string, string>>;
}

/** Plan's output: the state data for the rest of the run. */
export interface RunContext {
  readonly pipeline: string;
  readonly runId: string;
  /** <dataRoot>/runs/<pipeline>/<runId> */
  readonly runRoot: string;
  readonly params: Params;
  readonly stages: Readonly<Record<string, StagePlan>>;
  readonly lineage: Lineage;
  /**
   * Added: model parameters whose folder is a random-weight test model (its config.json says
   * `random_weights: true`), by parameter: their outputs are noise. Absent: none.
   */
  readonly randomWeightModels?: Readonly<Record<string, string>>;
}

/** One Distributed Map item: one shard. */
export interface ShardItem {
  readonly key: string;
  readonly uri: string;
  /**
   * Added: formats split by Plan (urls, parquet, folder): the item is rows (images, for a
   * folder) `start` to `end` (exclusive) of the file (the folder) at `uri`.
   */
  readonly rows?: { readonly start: number; readonly end: number };
}

export interface Segment {
  readonly fn: OperatorFunction;
  readonly ops: readonly OperatorUse[];
}

/** What ItemSelector builds for each shard. */
export interface ShardTask {
  readonly pipeline: string;
  readonly stage: string;
  readonly runId: string;
  readonly runRoot: string;
  readonly params: Params;
  readonly item: ShardItem;
  /** Consecutive operators of one function, each run by one task. */
  readonly segments: readonly Segment[];
  /** Added: how segment 0 reads `item.uri`; absent = 'webdataset' (docs/sources.md). */
  readonly format?: SourceFormat;
  /** Added: for `format: 'pdf'`. */
  readonly pdf?: PdfSourceOptions;
  /** Added: for `format: 'urls'`, 'parquet', 'folder'. */
  readonly urls?: FormatOptions['urls'];
  readonly parquet?: FormatOptions['parquet'];
  readonly folder?: FormatOptions['folder'];
}

export interface ShardEvent {
  readonly task: ShardTask;
  readonly segment: number;
}

export interface WrittenShard {
  readonly uri: string;
  readonly samples: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** stats/<stage>/<shard>.json: written last, marks the shard done. Deterministic bytes. */
export interface ShardStats {
  readonly stage: string;
  readonly shard: string;
  readonly input: string;
  readonly in: number;
  readonly kept: number;
  readonly rejected: RejectCounts;
  readonly output: WrittenShard;
  readonly rejects: WrittenShard;
  /**
   * Added: when the stage ran in several segments, the rejects shard of each, in segment order
   * (`rejects` is the first). Absent for a single segment.
   */
  readonly rejectsBySegment?: readonly WrittenShard[];
  /**
   * Added: histograms of what the stage's operators measured (core/ops/stats.ts), fixed bins
   * per stat so the report adds shards together. Absent when no operator measured anything.
   */
  readonly histograms?: readonly StatHistogram[];
}

export type ShardResult = Pick<ShardStats, 'stage' | 'shard' | 'in' | 'kept' | 'rejected'>;

export interface FinalizeEvent {
  readonly pipeline: string;
  readonly stage: string;
  readonly runId: string;
  readonly runRoot: string;
  readonly plan: StagePlan;
  readonly lineage: Lineage;
  /** The Distributed Map's output ({MapRunArn, ResultWriterDetails}). */
  readonly mapResult: unknown;
}

export interface StageCounts {
  readonly in: number;
  readonly kept: number;
  readonly rejected: RejectCounts;
}

export interface DatasetRef extends StageCounts {
  readonly dataset: string;
  readonly manifestUri: string;
  readonly shards: number;
  /** Shards without a done marker (failed past retries); capped list, full list in the manifest. */
  readonly failedShards: readonly string[];
  readonly failedShardCount: number;
}

export interface MixEvent {
  readonly pipeline: string;
  readonly stage: string;
  readonly runId: string;
  readonly runRoot: string;
  readonly params: Params;
  readonly lineage: Lineage;
  readonly inputs: readonly {
    readonly dataset: string;
    readonly manifestUri: string;
    readonly weight: unknown;
  }[];
  readonly samples: unknown;
  readonly seed: unknown;
}

export interface SummaryEvent {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly pipeline: string;
  readonly dataRoot: string;
  /** The whole state data at the end of the run (or at the failure). */
  readonly state: Record<string, unknown>;
}

/** summary.json and the execution output. */
export interface RunSummary {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly stages: Readonly<Record<string, StageCounts>>;
  readonly outputs: Readonly<Record<string, string>>;
  readonly failedShards: Readonly<Record<string, readonly string[]>>;
  readonly error?: { readonly error: string; readonly cause: string };
  /** Why the run failed (or which shards failed in a run that tolerated it), first cause first. */
  readonly causes?: readonly FailureCause[];
  /** Model parameters set to random-weight test models (URI by parameter): outputs are noise. */
  readonly randomWeightModels?: Readonly<Record<string, string>>;
}

/** One failure, as precise as its source allows: a shard's operator and sample, or a job's log. */
export interface FailureCause {
  /** The stage (source, mix or train) that failed; absent when the run failed before any. */
  readonly stage?: string;
  readonly shard?: string;
  readonly operator?: string;
  readonly sample?: string;
  /** The error name (`ShardError`, `PlanError`, `States.TaskFailed` …). */
  readonly error: string;
  readonly message: string;
  /** The last lines of a failed training job's log, when the log is readable. */
  readonly logTail?: readonly string[];
}
