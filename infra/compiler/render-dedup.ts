/**
 * A stage with run-scoped dedups (docs/dedup.md) compiles, for each dedup, to a barrier:
 * Curate (the segments before the first dedup, then Hash) → Plan dedup → Resolve duplicates
 * (one item per hash partition) → Filter duplicates (drop the losers, the segments up to the
 * next dedup, and its Hash) → … → Finalize, unchanged: the last segment's stats marker merges
 * every segment's counts.
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
  if (layout.dedups.length === 0) {
    const map = renderCurateMap(pipeline, source, next(finalize), o.catchers);
    return {
      state: { [STATE_NAMES.map(source.name)]: map.state, [finalize]: finalizeState },
      problems: map.problems,
    };
  }
  const maps = renderDedupMaps(pipeline, source, layout, next(finalize), o.catchers);
  return { state: { ...maps.state, [finalize]: finalizeState }, problems: maps.problems };
}

/** Names of a source's states in execution order (the machine's top-level order needs them). */
export function sourceStateNames(source: SourceNode): string[] {
  const stage = source.name;
  return [
    STATE_NAMES.map(stage),
    ...stageLayoutOf(source).dedups.flatMap(({ name }) => [
      STATE_NAMES.dedupPlan(name),
      STATE_NAMES.resolveMap(name),
      STATE_NAMES.filterMap(name),
    ]),
    STATE_NAMES.finalize(stage),
  ];
}

const useOf = (dedup: DedupSplit): JsonObject => ({
  segment: dedup.segment,
  name: dedup.name,
  prefix: dedup.prefix,
  args: dedup.args as JsonObject,
});

function hashStep(dedup: DedupSplit): ShardStep {
  return {
    name: STATE_NAMES.hashTask(dedup.name),
    fn: 'dedup',
    payload: { action: 'hash', 'task.$': '$', dedup: useOf(dedup) },
    comment: `Hash what the earlier segments kept (${dedup.mode}), one record file per partition`,
  };
}

function renderDedupMaps(
  pipeline: string,
  source: SourceNode,
  layout: StageLayout,
  transition: Transition,
  catchers: readonly Catcher[],
): Rendered<Record<string, State>> {
  const stage = source.name;
  const { dedups } = layout;
  const first = dedups[0]!;
  const curate = renderShardMap(pipeline, source, layout, {
    comment: `One item per shard of source "${stage}": the operators before the dedup, then hashing`,
    label: `Curate${stage}`,
    steps: [...segmentSteps(pipeline, source, layout, 0, first.segment), hashStep(first)],
    transition: next(STATE_NAMES.dedupPlan(first.name)),
    catchers,
  });
  const states: Record<string, State> = { [STATE_NAMES.map(stage)]: curate.state };
  const problems = [...curate.problems];
  dedups.forEach((dedup, i) => {
    const following = dedups[i + 1];
    const filter: ShardStep = {
      name: STATE_NAMES.filterTask(dedup.name),
      fn: 'dedup',
      payload: { action: 'filter', 'task.$': '$', segment: dedup.segment },
      comment: `Drop the duplicates resolve decided against (${pipeline}/${stage})`,
    };
    const end = following ? following.segment : layout.segments.length;
    const resolve = renderResolveMap(stage, dedup.name, catchers);
    const filterMap = renderShardMap(pipeline, source, layout, {
      comment: following
        ? `One item per shard of source "${stage}": drop duplicates, the operators up to the next dedup, then hashing`
        : `One item per shard of source "${stage}": drop duplicates, then the operators after the dedup`,
      label: `Filter${dedup.name}`,
      steps: [
        filter,
        ...segmentSteps(pipeline, source, layout, dedup.segment + 1, end),
        ...(following ? [hashStep(following)] : []),
      ],
      extraSelector: { 'dedup.$': `$.dedup.${dedup.name}` },
      transition: following ? next(STATE_NAMES.dedupPlan(following.name)) : transition,
      catchers,
    });
    states[STATE_NAMES.dedupPlan(dedup.name)] = renderDedupPlan(pipeline, stage, dedup, catchers);
    states[STATE_NAMES.resolveMap(dedup.name)] = resolve.state;
    states[STATE_NAMES.filterMap(dedup.name)] = filterMap.state;
    problems.push(...resolve.problems, ...filterMap.problems);
  });
  return { state: states, problems };
}

function renderDedupPlan(
  pipeline: string,
  stage: string,
  dedup: DedupSplit,
  catchers: readonly Catcher[],
): TaskState {
  const fields = [
    'config',
    'generation',
    'name',
    'manifest',
    'results',
    'shards',
    'partitions',
    'pending',
  ];
  return renderLambdaTask(
    'dedup',
    {
      action: 'plan',
      pipeline,
      stage,
      'runRoot.$': '$.runRoot',
      'params.$': '$.params',
      'allShards.$': `$.stages.${stage}.allShards`,
      dedup: useOf(dedup),
    },
    {
      comment: `Hashed shards, their generation and the partitions still to resolve for "${dedup.name}"`,
      resultSelector: Object.fromEntries(fields.map((f) => [`${f}.$`, `$.Payload.${f}`])),
      resultPath: `$.dedup.${dedup.name}`,
      ...(catchers.length > 0 ? { catch: catchers } : {}),
      transition: next(STATE_NAMES.resolveMap(dedup.name)),
    },
  );
}

/**
 * One item per hash partition. No failure is tolerated: a partition left unresolved would let
 * its duplicates through.
 */
function renderResolveMap(
  stage: string,
  name: string,
  catchers: readonly Catcher[],
): Rendered<DistributedMapState> {
  const plan = `$.dedup.${name}`;
  const task = STATE_NAMES.resolveTask(name);
  const payload: Record<string, JsonValue> = {
    action: 'resolve',
    'stage.$': '$.stage',
    'runRoot.$': '$.runRoot',
    'dedup.$': '$.dedup',
    'item.$': '$.item',
  };
  return renderDistributedMap({
    comment: `One item per hash partition of "${name}": decide which samples are duplicates`,
    label: `Resolve${name}`,
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
    transition: next(STATE_NAMES.filterMap(name)),
  });
}
