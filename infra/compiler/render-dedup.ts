/**
 * A stage with a run-scoped dedup (docs/dedup.md) compiles to three Distributed Maps:
 * Curate (the segments before the dedup, then Hash) → Plan dedup → Resolve duplicates (one
 * item per hash partition) → Filter duplicates (drop the losers, then the rest of the chain)
 * → Finalize, unchanged: the last segment's stats marker merges every segment's counts.
 */
import type { SourceNode } from '../../core/ir';
import type {
  Catcher,
  DistributedMapState,
  JsonObject,
  JsonValue,
  State,
  TaskState,
  Transition,
} from './asl';
import { STATE_NAMES } from './names';
import {
  renderCurateMap,
  renderFinalize,
  renderShardMap,
  renderSteps,
  segmentSteps,
  type ShardStep,
} from './render-source';
import { stageLayoutOf, type DedupSplit, type StageLayout } from './segments';
import { next, renderLambdaTask } from './tasks';
import { renderDistributedMap, type Rendered } from './render-map';

export interface SourceStatesOptions {
  /** After Finalize. */
  readonly transition: Transition;
  /** Top-level states catch into Record failure; states inside a Parallel branch do not. */
  readonly catchers: readonly Catcher[];
  readonly finalizeOutputPath?: string;
}

/** Every state of one source, in execution order; the first is its entry. */
export function renderSourceStates(
  pipeline: string,
  source: SourceNode,
  o: SourceStatesOptions,
): Rendered<Record<string, State>> {
  const finalize = STATE_NAMES.finalize(source.name);
  const finalizeState = renderFinalize(pipeline, source, {
    transition: o.transition,
    ...(o.catchers.length > 0 ? { catchers: o.catchers } : {}),
    ...(o.finalizeOutputPath ? { outputPath: o.finalizeOutputPath } : {}),
  });
  const layout = stageLayoutOf(source);
  if (!layout.dedup) {
    const map = renderCurateMap(pipeline, source, next(finalize), o.catchers);
    return {
      state: { [STATE_NAMES.map(source.name)]: map.state, [finalize]: finalizeState },
      problems: map.problems,
    };
  }
  const maps = renderDedupMaps(pipeline, source, layout, layout.dedup, next(finalize), o.catchers);
  return { state: { ...maps.state, [finalize]: finalizeState }, problems: maps.problems };
}

/** Names of a source's states in execution order (the machine's top-level order needs them). */
export function sourceStateNames(source: SourceNode): string[] {
  const stage = source.name;
  return stageLayoutOf(source).dedup
    ? [
        STATE_NAMES.map(stage),
        STATE_NAMES.dedupPlan(stage),
        STATE_NAMES.resolveMap(stage),
        STATE_NAMES.filterMap(stage),
        STATE_NAMES.finalize(stage),
      ]
    : [STATE_NAMES.map(stage), STATE_NAMES.finalize(stage)];
}

function renderDedupMaps(
  pipeline: string,
  source: SourceNode,
  layout: StageLayout,
  dedup: DedupSplit,
  transition: Transition,
  catchers: readonly Catcher[],
): Rendered<Record<string, State>> {
  const stage = source.name;
  const use: JsonObject = { segment: dedup.segment, args: dedup.args as JsonObject };
  const hash: ShardStep = {
    name: STATE_NAMES.hashTask(stage),
    fn: 'dedup',
    payload: { action: 'hash', 'task.$': '$', dedup: use },
    comment: `Hash what the earlier segments kept (${dedup.mode}), one record file per partition`,
  };
  const filter: ShardStep = {
    name: STATE_NAMES.filterTask(stage),
    fn: 'dedup',
    payload: { action: 'filter', 'task.$': '$', segment: dedup.segment },
    comment: `Drop the duplicates resolve decided against (${pipeline}/${stage})`,
  };
  const curate = renderShardMap(pipeline, source, layout, {
    comment: `One item per shard of source "${stage}": the operators before the dedup, then hashing`,
    label: `Curate${stage}`,
    steps: [...segmentSteps(pipeline, source, layout, 0, dedup.segment), hash],
    transition: next(STATE_NAMES.dedupPlan(stage)),
    catchers,
  });
  const resolve = renderResolveMap(stage, catchers);
  const filterMap = renderShardMap(pipeline, source, layout, {
    comment: `One item per shard of source "${stage}": drop duplicates, then the operators after the dedup`,
    label: `Filter${stage}`,
    steps: [
      filter,
      ...segmentSteps(pipeline, source, layout, dedup.segment + 1, layout.segments.length),
    ],
    extraSelector: { 'dedup.$': `$.dedup.${stage}` },
    transition,
    catchers,
  });
  return {
    state: {
      [STATE_NAMES.map(stage)]: curate.state,
      [STATE_NAMES.dedupPlan(stage)]: renderDedupPlan(pipeline, stage, use, catchers),
      [STATE_NAMES.resolveMap(stage)]: resolve.state,
      [STATE_NAMES.filterMap(stage)]: filterMap.state,
    },
    problems: [...curate.problems, ...resolve.problems, ...filterMap.problems],
  };
}

function renderDedupPlan(
  pipeline: string,
  stage: string,
  use: JsonObject,
  catchers: readonly Catcher[],
): TaskState {
  const fields = ['config', 'generation', 'manifest', 'results', 'shards', 'partitions', 'pending'];
  return renderLambdaTask(
    'dedup',
    {
      action: 'plan',
      pipeline,
      stage,
      'runRoot.$': '$.runRoot',
      'params.$': '$.params',
      'allShards.$': `$.stages.${stage}.allShards`,
      dedup: use,
    },
    {
      comment: `Hashed shards, their generation and the partitions still to resolve for "${stage}"`,
      resultSelector: Object.fromEntries(fields.map((f) => [`${f}.$`, `$.Payload.${f}`])),
      resultPath: `$.dedup.${stage}`,
      ...(catchers.length > 0 ? { catch: catchers } : {}),
      transition: next(STATE_NAMES.resolveMap(stage)),
    },
  );
}

/**
 * One item per hash partition. No failure is tolerated: a partition left unresolved would let
 * its duplicates through.
 */
function renderResolveMap(
  stage: string,
  catchers: readonly Catcher[],
): Rendered<DistributedMapState> {
  const plan = `$.dedup.${stage}`;
  const task = STATE_NAMES.resolveTask(stage);
  const payload: Record<string, JsonValue> = {
    action: 'resolve',
    'stage.$': '$.stage',
    'runRoot.$': '$.runRoot',
    'dedup.$': '$.dedup',
    'item.$': '$.item',
  };
  return renderDistributedMap({
    comment: `One item per hash partition of "${stage}": decide which samples are duplicates`,
    label: `Resolve${stage}`,
    from: plan,
    itemSelector: {
      stage,
      'runRoot.$': '$.runRoot',
      'dedup.$': plan,
      'item.$': '$$.Map.Item.Value',
    },
    startAt: task,
    states: renderSteps([{ name: task, fn: 'dedup', payload, comment: 'Resolve one partition' }]),
    toleratedFailure: { percentage: 0 },
    resultPath: `${plan}.resolveMap`,
    catchers,
    transition: next(STATE_NAMES.filterMap(stage)),
  });
}
