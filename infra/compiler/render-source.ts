import type { ShardTask } from '../../lambdas/handlers/contracts';
import type { SourceNode } from '../dsl/ir';
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
import { PLACEHOLDERS } from './placeholders';
import { segmentsOf } from './segments';
import {
  DATASET_REF_SELECTOR,
  end,
  LAMBDA_RETRY,
  next,
  renderLambdaTask,
  SHARD_CRASH_RETRY,
  TIMEOUTS,
} from './tasks';

const FN_PLACEHOLDER = { curate: PLACEHOLDERS.curate, caption: PLACEHOLDERS.caption } as const;

/** The tasks one shard goes through inside the Distributed Map: one per segment. */
function renderShardStates(pipeline: string, source: SourceNode): Record<string, TaskState> {
  const segments = segmentsOf(source);
  const names = segments.map((s, i) =>
    STATE_NAMES.shardTask(source.name, s.fn, i, segments.length),
  );
  const states: Record<string, TaskState> = {};
  segments.forEach((segment, i) => {
    const isLast = i === segments.length - 1;
    states[names[i] as string] = renderLambdaTask(
      FN_PLACEHOLDER[segment.fn],
      { 'task.$': '$', segment: i },
      {
        comment: `${segment.ops.map((o) => o.op).join(' → ') || 'copy'} (${pipeline}/${source.name})`,
        timeoutSeconds: TIMEOUTS.shard,
        retry: [LAMBDA_RETRY, SHARD_CRASH_RETRY],
        // Earlier segments keep the ShardTask as state for the next one; the last one's
        // per-shard counts become the item's output (in the ResultWriter files).
        ...(isLast ? { outputPath: '$.Payload' } : { resultPath: null }),
        transition: isLast ? end : next(names[i + 1] as string),
      },
    );
  });
  return states;
}

/** ItemSelector: what each shard task receives (a ShardTask); params are resolved by Plan. */
function renderItemSelector(pipeline: string, source: SourceNode): JsonObject {
  const selector: Record<keyof ShardTask | `${keyof ShardTask}.$`, JsonValue> = {
    pipeline,
    stage: source.name,
    'runId.$': '$.runId',
    'runRoot.$': '$.runRoot',
    'params.$': '$.params',
    'item.$': '$$.Map.Item.Value',
    segments: JSON.parse(JSON.stringify(segmentsOf(source))) as JsonValue,
  } as Record<string, JsonValue> as Record<keyof ShardTask | `${keyof ShardTask}.$`, JsonValue>;
  return selector as JsonObject;
}

export function renderCurateMap(
  pipeline: string,
  source: SourceNode,
  transition: Transition,
  catchers: readonly Catcher[],
): DistributedMapState {
  const shardStates = renderShardStates(pipeline, source);
  const stage = `$.stages.${source.name}`;
  return {
    Type: 'Map',
    Comment: `One item per shard of source "${source.name}"`,
    Label: `Curate${source.name.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 40),
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Bucket.$': `${stage}.manifest.Bucket`, 'Key.$': `${stage}.manifest.Key` },
    },
    ItemSelector: renderItemSelector(pipeline, source),
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: Object.keys(shardStates)[0] as string,
      States: shardStates as Record<string, State>,
    },
    MaxConcurrencyPath: '$.params.maxConcurrency',
    ToleratedFailurePercentagePath: '$.params.toleratedFailurePercentage',
    ResultWriter: {
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { 'Bucket.$': `${stage}.results.Bucket`, 'Prefix.$': `${stage}.results.Prefix` },
    },
    ResultPath: `$.maps.${source.name}`,
    ...(catchers.length > 0 ? { Catch: catchers } : {}),
    ...transition,
  };
}

export function renderFinalize(
  pipeline: string,
  source: SourceNode,
  o: { transition: Transition; catchers?: readonly Catcher[]; outputPath?: string },
): TaskState {
  return renderLambdaTask(
    PLACEHOLDERS.finalize,
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
      timeoutSeconds: TIMEOUTS.finalize,
      resultSelector: DATASET_REF_SELECTOR,
      resultPath: `$.datasets.${source.name}`,
      ...(o.outputPath ? { outputPath: o.outputPath } : {}),
      ...(o.catchers ? { catch: o.catchers } : {}),
      transition: o.transition,
    },
  );
}
