import type { ShardTask } from '../../core/contracts';
import type { SourceNode } from '../../core/ir';
import type {
  Catcher,
  DistributedMapState,
  JsonObject,
  JsonValue,
  TaskState,
  Transition,
} from './asl';
import { formatOptionsOf } from '../../core/formats';
import { STATE_NAMES } from './names';
import { renderDistributedMap, type Rendered } from './render-map';
import type { LambdaFunctionName } from '../../core/functions';
import { stageLayoutOf, type StageLayout } from './segments';
import {
  DATASET_REF_SELECTOR,
  end,
  LAMBDA_RETRY,
  next,
  renderLambdaTask,
  SHARD_CRASH_RETRY,
} from './tasks';

/** One task a shard goes through inside a Distributed Map. */
export interface ShardStep {
  readonly name: string;
  readonly fn: LambdaFunctionName;
  readonly payload: JsonObject;
  readonly comment: string;
}

/** The segments `from` (inclusive) to `to` (exclusive) of a stage, one task each. */
export function segmentSteps(
  pipeline: string,
  source: SourceNode,
  layout: StageLayout,
  from: number,
  to: number,
): ShardStep[] {
  const count = layout.segments.length;
  return layout.segments.slice(from, to).map((segment, offset) => {
    const i = from + offset;
    return {
      name: STATE_NAMES.shardTask(source.name, segment.fn, i, count),
      fn: segment.fn,
      payload: { 'task.$': '$', segment: i },
      comment: `${segment.ops.map((o) => o.op).join(' → ') || 'copy'} (${pipeline}/${source.name})`,
    };
  });
}

/**
 * Steps in order: earlier ones keep their input as state for the next one; the last one's
 * result (per-shard counts) becomes the item's output (in the ResultWriter files).
 */
export function renderSteps(steps: readonly ShardStep[]): Record<string, TaskState> {
  const states: Record<string, TaskState> = {};
  steps.forEach((step, i) => {
    const isLast = i === steps.length - 1;
    states[step.name] = renderLambdaTask(step.fn, step.payload, {
      comment: step.comment,
      retry: [LAMBDA_RETRY, SHARD_CRASH_RETRY],
      ...(isLast ? { outputPath: '$.Payload' } : { resultPath: null }),
      transition: isLast ? end : next(steps[i + 1]!.name),
    });
  });
  return states;
}

/** ItemSelector: what each shard task receives (a ShardTask); params are resolved by Plan. */
function renderItemSelector(
  pipeline: string,
  source: SourceNode,
  layout: StageLayout,
  extra: JsonObject,
): JsonObject {
  const selector: Record<keyof ShardTask | `${keyof ShardTask}.$`, JsonValue> = {
    pipeline,
    stage: source.name,
    'runId.$': '$.runId',
    'runRoot.$': '$.runRoot',
    'params.$': '$.params',
    'item.$': '$$.Map.Item.Value',
    segments: JSON.parse(JSON.stringify(layout.segments)) as JsonValue,
    ...(source.format ? { format: source.format } : {}),
    ...(JSON.parse(JSON.stringify(formatOptionsOf(source))) as JsonObject),
  } as Record<string, JsonValue> as Record<keyof ShardTask | `${keyof ShardTask}.$`, JsonValue>;
  return { ...(selector as JsonObject), ...extra };
}

export interface ShardMapOptions {
  readonly comment: string;
  readonly label: string;
  readonly steps: readonly ShardStep[];
  /** Fields added to each item's ShardTask. */
  readonly extraSelector?: JsonObject;
  readonly transition: Transition;
  readonly catchers: readonly Catcher[];
}

/** A Distributed Map over the stage's pending shards (Plan's manifest). */
export function renderShardMap(
  pipeline: string,
  source: SourceNode,
  layout: StageLayout,
  o: ShardMapOptions,
): Rendered<DistributedMapState> {
  return renderDistributedMap({
    comment: o.comment,
    label: o.label,
    from: `$.stages.${source.name}`,
    itemSelector: renderItemSelector(pipeline, source, layout, o.extraSelector ?? {}),
    startAt: o.steps[0]!.name,
    states: renderSteps(o.steps),
    toleratedFailure: { path: '$.params.toleratedFailurePercentage' },
    resultPath: `$.maps.${source.name}`,
    catchers: o.catchers,
    transition: o.transition,
  });
}

/** The single Distributed Map of a stage without a run-scoped dedup. */
export function renderCurateMap(
  pipeline: string,
  source: SourceNode,
  transition: Transition,
  catchers: readonly Catcher[],
): Rendered<DistributedMapState> {
  const layout = stageLayoutOf(source);
  return renderShardMap(pipeline, source, layout, {
    comment: `One item per shard of source "${source.name}"`,
    label: `Curate${source.name}`,
    steps: segmentSteps(pipeline, source, layout, 0, layout.segments.length),
    transition,
    catchers,
  });
}

export function renderFinalize(
  pipeline: string,
  source: SourceNode,
  o: { transition: Transition; catchers?: readonly Catcher[]; outputPath?: string },
): TaskState {
  return renderLambdaTask(
    'finalize',
    {
      pipeline,
      stage: source.name,
      'runId.$': '$.runId',
      'runRoot.$': '$.runRoot',
      'plan.$': `$.stages.${source.name}`,
      'lineage.$': '$.lineage',
      'mapResult.$': `$.maps.${source.name}`,
    },
    {
      comment: `Dataset manifest of "${source.name}"`,
      resultSelector: DATASET_REF_SELECTOR,
      resultPath: `$.datasets.${source.name}`,
      ...(o.outputPath ? { outputPath: o.outputPath } : {}),
      ...(o.catchers ? { catch: o.catchers } : {}),
      transition: o.transition,
    },
  );
}
