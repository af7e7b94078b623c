/**
 * Events of the dedup function (`${DedupFunctionArn}`): one Lambda, four actions, each a stage of
 * a run-scoped dedup (docs/dedup.md). Payloads carry URIs and small configs only.
 */
import type { Location, Params, PrefixLocation, ShardResult, ShardTask } from './contracts';
import type { DedupConfig } from './dedup-spec';

/** The run-scoped dedup of a stage as the compiler writes it: arguments may be `$param` refs. */
export interface DedupUse {
  /** Index of the filter segment in `ShardTask.segments`; the hash step reads what segment - 1 kept. */
  readonly segment: number;
  /** Its storage name (`dedup/<name>/`): the stage's, or `<stage>_<n>` for its n-th dedup. */
  readonly name: string;
  /** Its implicit run parameters are `<prefix>.<arg>` (docs/parameters.md). */
  readonly prefix: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** What the resolve and filter stages carry: the resolved config and the generation to use. */
export interface DedupRun {
  readonly config: DedupConfig;
  readonly generation: string;
  /** DedupUse's name. */
  readonly name: string;
}

/** Map 1, after the stage's earlier segments: hash what they kept, one file per partition. */
export interface DedupHashEvent {
  readonly action: 'hash';
  readonly task: ShardTask;
  readonly dedup: DedupUse;
}

export interface DedupHashResult {
  readonly stage: string;
  readonly shard: string;
  /** Samples read; hashed + unhashable = samples; invalid tar members are not hashed. */
  readonly samples: number;
  readonly hashed: number;
}

/** Between the maps: which shards are hashed, the generation, the partitions still to resolve. */
export interface DedupPlanEvent {
  readonly action: 'plan';
  readonly pipeline: string;
  readonly stage: string;
  readonly runRoot: string;
  readonly params: Params;
  readonly allShards: Location;
  readonly dedup: DedupUse;
}

export interface DedupPlan extends DedupRun {
  readonly manifest: Location;
  readonly results: PrefixLocation;
  readonly shards: number;
  readonly partitions: number;
  readonly pending: number;
}

/** One item of the resolve map. */
export interface PartitionItem {
  readonly band: number;
  readonly partition: number;
  readonly name: string;
}

export interface DedupResolveEvent {
  readonly action: 'resolve';
  readonly stage: string;
  readonly runRoot: string;
  readonly dedup: DedupRun;
  readonly item: PartitionItem;
}

export interface DedupResolveResult {
  readonly stage: string;
  readonly partition: string;
  readonly records: number;
  readonly dropped: number;
}

/** Map 3's first task: drop the losers of this shard, as one segment of the stage. */
export interface DedupFilterEvent {
  readonly action: 'filter';
  readonly task: ShardTask & { readonly dedup: DedupRun };
  readonly segment: number;
}

export type DedupEvent = DedupHashEvent | DedupPlanEvent | DedupResolveEvent | DedupFilterEvent;
export type DedupResult = DedupHashResult | DedupPlan | DedupResolveResult | ShardResult;
