/**
 * The pipeline graph: plain JSON built by the DSL and consumed by the compiler, the CDK
 * constructs and the local runner. Nothing here holds functions or classes.
 */
import type { OperatorUse, ParamRef } from './ops/operator';

export const IR_VERSION = 1 as const;

export { PARAM_TYPES, type ParamSpec, type ParamType } from './params';
import type { ParamSpec } from './params';

/** A literal value or a reference to a run parameter. */
export type Arg<T> = T | ParamRef<T>;

export interface SourceNode {
  readonly kind: 'source';
  /** Stage name; also the name of the dataset it produces. */
  readonly name: string;
  /**
   * Default shard location: s3://bucket/prefix, file:///dir, an absolute or ./relative path, or a
   * bare relative key such as `inputs/pairs`, read under the run's data root (the stack's bucket
   * on AWS, the workdir locally). The run input's `inputs.<name>` overrides it.
   */
  readonly uri: string;
  /** Glob on shard file names under `uri`. */
  readonly pattern: string;
  /**
   * Added: how the files under `uri` are read (docs/sources.md). Absent = 'webdataset' (tar
   * shards); 'pdf' = one sample per page; 'jsonl' = one text-only sample per line.
   */
  readonly format?: SourceFormat;
  /** Added: page rendering and limits, for `format: 'pdf'`. */
  readonly pdf?: PdfSourceOptions;
  /** Added: columns, item size and download settings, for `format: 'urls'`. */
  readonly urls?: FormatOptions['urls'];
  /** Added: columns and item size, for `format: 'parquet'`. */
  readonly parquet?: FormatOptions['parquet'];
  /** Added: item size, for `format: 'folder'`. */
  readonly folder?: FormatOptions['folder'];
  readonly ops: readonly OperatorUse[];
}

export { SOURCE_FORMATS, type SourceFormat, type PdfSourceOptions } from './formats';
import type { FormatOptions, PdfSourceOptions, SourceFormat } from './formats';

export interface MixInput {
  readonly dataset: string;
  readonly weight: Arg<number>;
}

export interface MixNode {
  readonly kind: 'mix';
  readonly name: string;
  readonly inputs: readonly MixInput[];
  /** Total samples in the mixture; 0 = as many as the weights allow without repeating. */
  readonly samples: Arg<number>;
  readonly seed: Arg<number>;
}

export interface TrainNode {
  readonly kind: 'train';
  readonly name: string;
  readonly dataset: string;
  readonly gpus: number;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  /**
   * Nodes of an AWS Batch multi-node parallel job (each with `gpus` GPUs), a number or an
   * integer parameter; absent: a single-node job.
   */
  readonly nodes?: Arg<number>;
  /** Training configuration, JSON-serialisable; passed to the job as `--config`. Top-level values may be parameter references. */
  readonly config: Readonly<Record<string, unknown>>;
  /** `true`, or a boolean parameter that switches the stage off for a run. */
  readonly enabled: Arg<boolean>;
}

export interface PipelineGraph {
  readonly irVersion: typeof IR_VERSION;
  readonly name: string;
  readonly description: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly sources: readonly SourceNode[];
  readonly mixes: readonly MixNode[];
  readonly trains: readonly TrainNode[];
}

/**
 * How the Distributed Maps run: they read these through MaxConcurrencyPath /
 * ToleratedFailurePercentagePath, so a run can change them. They say nothing of a shard's
 * contents, so a resume may change them (lambdas/handlers/run-binding.ts).
 */
export const MAP_SETTINGS = {
  maxConcurrency: {
    type: 'integer',
    default: 40,
    min: 1,
    max: 10000,
    description: 'Shards processed at once per source',
  },
  toleratedFailurePercentage: {
    type: 'number',
    default: 0,
    min: 0,
    max: 100,
    description: 'Percentage of shards that may fail (after retries) before the run fails',
  },
} as const satisfies Record<string, ParamSpec>;

/** Parameters every pipeline has: the map settings and what kept samples carry. */
export const RESERVED_PARAMS = {
  ...MAP_SETTINGS,
  statsInJson: {
    type: 'boolean',
    default: true,
    description:
      'Kept samples carry what the operators measured (json vlmflow.stats); false leaves json as the operators wrote it',
  },
} as const satisfies Record<string, ParamSpec>;
