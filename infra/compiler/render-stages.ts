import type { Arg, PipelineGraph, MixNode, TrainNode } from '../../core/ir';
import { isParamRef } from '../../core/ops/operator';
import { formatOptionsOf, SPLIT_FORMATS } from '../../core/formats';
import { batchJobNamePrefix } from '../../core/aws-names';
import { trainFailureLogKey, trainOutKey } from '../../core/layout';
import { implicitUsesOf } from '../../core/implicit-params';
import type {
  Catcher,
  ChoiceState,
  JsonObject,
  JsonValue,
  PassState,
  TaskState,
  Transition,
} from './asl';
import { STATE_NAMES } from './names';
import { PLACEHOLDERS, ref } from '../../core/placeholders';
import { BATCH_SUBMIT_SYNC, DATASET_REF_SELECTOR, renderLambdaTask } from './tasks';

export function renderPlan(
  graph: PipelineGraph,
  definitionHash: string,
  version: string,
  o: { transition: Transition; catchers: readonly Catcher[] },
): TaskState {
  return renderLambdaTask(
    'plan',
    {
      pipeline: graph.name,
      definitionHash,
      version,
      dataRoot: ref(PLACEHOLDERS.dataRoot),
      'input.$': '$',
      'executionName.$': '$$.Execution.Name',
      paramSpecs: graph.params as unknown as JsonObject,
      sources: graph.sources.map((s) => ({
        name: s.name,
        uri: s.uri,
        pattern: s.pattern,
        // Only when not the default, so pipelines of tar shards render as before.
        ...(s.format ? { format: s.format } : {}),
        // Plan splits these formats into items of rows: it needs their options.
        ...(s.format && SPLIT_FORMATS.includes(s.format) ? (formatOptionsOf(s) as JsonObject) : {}),
      })),
      // Plan checks the run's implicit operator parameters against these uses.
      operators: implicitUsesOf(graph).map(({ name, use }) => ({
        name,
        use,
      })) as unknown as JsonValue,
      // Plan checks `<prefix><runId>` against Batch's job name rules before any work.
      ...(graph.trains.length > 0
        ? { jobNamePrefixes: graph.trains.map((t) => batchJobNamePrefix(graph.name, t.name)) }
        : {}),
    },
    {
      comment: 'Validate parameters, list input shards, skip shards already done, write manifests',
      outputPath: '$.Payload',
      catch: o.catchers,
      transition: o.transition,
    },
  );
}

export function renderMix(
  pipeline: string,
  mix: MixNode,
  o: { transition: Transition; catchers: readonly Catcher[] },
): TaskState {
  return renderLambdaTask(
    'mix',
    {
      pipeline,
      stage: mix.name,
      'runId.$': '$.runId',
      'runRoot.$': '$.runRoot',
      'params.$': '$.params',
      'lineage.$': '$.lineage',
      inputs: mix.inputs.map((input) => ({
        dataset: input.dataset,
        'manifestUri.$': `$.datasets.${input.dataset}.manifestUri`,
        weight: input.weight as JsonValue,
      })),
      samples: mix.samples as JsonValue,
      seed: mix.seed as JsonValue,
    },
    {
      comment: `Weighted mixture of ${mix.inputs.map((i) => i.dataset).join(', ')}`,
      resultSelector: DATASET_REF_SELECTOR,
      resultPath: `$.datasets.${mix.name}`,
      catch: o.catchers,
      transition: o.transition,
    },
  );
}

/** The training configuration enters the state data so the command can embed it as JSON. */
export function renderTrainConfig(train: TrainNode, transition: Transition): PassState {
  const config: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(train.config)) {
    if (isParamRef(value)) config[`${key}.$`] = `$.params.${value.$param}`;
    else config[key] = value as JsonValue;
  }
  return {
    Type: 'Pass',
    Comment: `Training configuration of "${train.name}"`,
    Parameters: { config },
    ResultPath: `$.trainConfigs.${train.name}`,
    ...transition,
  };
}

/** AWS Batch job, run to completion (.sync); Spot reclaims are retried by the job's retry strategy. */
export function renderTrain(
  pipeline: string,
  train: TrainNode,
  o: { transition: Transition; catchers: readonly Catcher[] },
): TaskState {
  const command =
    `States.Array('python', '-m', 'resampler.train', '--manifest', $.datasets.${train.dataset}.manifestUri, ` +
    `'--out', States.Format('{}/${trainOutKey(train.name)}', $.runRoot), ` +
    `'--failure-log', States.Format('{}/${trainFailureLogKey(train.name)}', $.runRoot), ` +
    `'--config', States.JsonToString($.trainConfigs.${train.name}.config))`;
  const container: JsonObject = {
    'Command.$': command,
    ResourceRequirements: [
      ...(train.gpus > 0 ? [{ Type: 'GPU', Value: String(train.gpus) }] : []),
      { Type: 'VCPU', Value: String(train.vcpus) },
      { Type: 'MEMORY', Value: String(train.memoryMiB) },
    ],
    Environment: [
      { Name: 'VLMFLOW_RUN_ID', 'Value.$': '$.runId' },
      { Name: 'VLMFLOW_DATA_ROOT', Value: ref(PLACEHOLDERS.dataRoot) },
    ],
  };
  return {
    Type: 'Task',
    Resource: BATCH_SUBMIT_SYNC,
    Comment: `Train the connector on "${train.dataset}"`,
    Parameters: {
      'JobName.$': `States.Format('${batchJobNamePrefix(pipeline, train.name)}{}', $.runId)`,
      JobQueue: ref(PLACEHOLDERS.trainQueue),
      JobDefinition: ref(PLACEHOLDERS.trainDefinition),
      ...(train.nodes === undefined
        ? { ContainerOverrides: container }
        : { NodeOverrides: renderNodeOverrides(train.nodes, container) }),
      Timeout: { AttemptDurationSeconds: train.timeoutSeconds },
    },
    TimeoutSeconds: train.timeoutSeconds + 3600,
    ResultSelector: { 'jobId.$': '$.JobId', 'jobName.$': '$.JobName', 'status.$': '$.Status' },
    ResultPath: `$.trains.${train.name}`,
    Retry: [
      {
        ErrorEquals: ['Batch.AWSBatchException', 'Batch.ServerException'],
        IntervalSeconds: 5,
        MaxAttempts: 5,
        BackoffRate: 2,
        MaxDelaySeconds: 120,
        JitterStrategy: 'FULL',
      },
    ],
    Catch: o.catchers,
    ...o.transition,
  };
}

/**
 * A multi-node parallel job: the node count (a number or a run parameter) and the same container
 * overrides on every node ("0:", the job definition's open node range). The training script
 * finds its peers from the environment Batch sets on each node.
 */
function renderNodeOverrides(nodes: Arg<number>, container: JsonObject): JsonObject {
  return {
    ...(isParamRef(nodes) ? { 'NumNodes.$': `$.params.${nodes.$param}` } : { NumNodes: nodes }),
    NodePropertyOverrides: [{ TargetNodes: '0:', ContainerOverrides: container }],
  };
}

/** A run switches training off with a boolean parameter. */
export function renderTrainSwitch(
  train: TrainNode,
  param: string,
  next: string,
  skip: string,
): ChoiceState {
  return {
    Type: 'Choice',
    Comment: `Train "${train.name}" unless params.${param} is false`,
    Choices: [{ Variable: `$.params.${param}`, BooleanEquals: false, Next: skip }],
    Default: next,
  };
}

export function renderSummarize(pipeline: string): TaskState {
  return renderLambdaTask(
    'summary',
    { status: 'SUCCEEDED', pipeline, dataRoot: ref(PLACEHOLDERS.dataRoot), 'state.$': '$' },
    {
      comment: 'Run summary: the execution output',
      outputPath: '$.Payload',
      transition: { End: true },
    },
  );
}

/** Records the failure in the run summary, then fails the execution with the original error. */
export function renderRecordFailure(pipeline: string): TaskState {
  return renderLambdaTask(
    'summary',
    { status: 'FAILED', pipeline, dataRoot: ref(PLACEHOLDERS.dataRoot), 'state.$': '$' },
    {
      comment: 'Write summary.json with the failure',
      resultPath: '$.summary',
      catch: [
        { ErrorEquals: ['States.ALL'], ResultPath: '$.summaryFailure', Next: STATE_NAMES.failed },
      ],
      transition: { Next: STATE_NAMES.failed },
    },
  );
}
