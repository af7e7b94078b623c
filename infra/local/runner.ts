/**
 * Runs a compiled state machine on this machine. Three things differ from AWS and nothing
 * else: the interpreter (aws-local-stepfunctions, plus distributed-map.ts for what it lacks),
 * how a Lambda handler is called (in-process, or a worker pool for the shard functions), and
 * how the Batch container is launched (a subprocess).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  StateMachine,
  type RunOptions,
  type StateMachineDefinition,
  type StateMachineOptions,
} from 'aws-local-stepfunctions';
import { isJsonObject, type AslState, type JsonObject, type JsonValue } from './asl';
import { createBatchRunner } from './batch';
import { createDistributedMapHandler } from './distributed-map';
import { executionFailure, type ErrorInfo } from './errors';
import { planEventOf, shardEventOf, type RunEvent } from './events';
import { createFaultInjector, type FaultCounts, type FaultOptions } from './faults';
import { SHARD_ROLES, type LambdaHandlers } from './handlers';
import { createLambdaInvokeHandler, type TaskHandler } from './lambda-invoke';
import { prepareMachine, type PreparedMachine } from './rewrite';
import { nameProblem } from '../../core/aws-names';
import type { DeployedAccess } from './deployed/access';
import { copyModelAssets, type ModelAsset } from '../cdk/model-assets';
import { deployedChecks } from './deployed/checks';
import { loadEvaluator } from './deployed/authorizer';
import { ACCESS_CHECK_ENV, startAccessServer } from './deployed/access-server';
import { LOCAL_ACCOUNT, LOCAL_REGION, roleOfFunction, substitutePlaceholders } from './substitute';
import { type WorkerMode } from './workers';
import { createFunctionResolver } from './function-resolver';
import { watchExecution } from './execution-watch';
import { parseUri, normaliseUri } from '../../core/uri';
import type { OperatorDeclaration } from '../../core/ops/operator';

/**
 * Retry pauses of a local run unless told otherwise: the definition's backoff (2 s doubling,
 * full jitter) is for throttled AWS services; locally it only slows a failing run down.
 */
export const LOCAL_RETRY_PAUSE_MS = 100;

export interface LocalPipeline {
  readonly name: string;
  /** Absolute path of the pipeline module (default export: the Pipeline); workers load it. */
  readonly modulePath?: string;
  /** The pipeline's operators; used in-process when there is no module path. */
  readonly operators?: readonly OperatorDeclaration[];
}

export interface RunLocalOptions {
  /** The compiled definition (object or JSON text) with its `${Placeholder}`s. */
  readonly definition: unknown;
  readonly pipeline: LocalPipeline;
  /** Root of all runs: file:///dir, a path, or s3://bucket/prefix. */
  readonly dataRoot: string;
  /** The execution input. @default {} */
  readonly input?: JsonValue;
  /** @default `local-<time>-<random>` */
  readonly executionName?: string;
  /** Shards processed at once. @default the number of cores */
  readonly concurrency?: number;
  readonly workerMode?: WorkerMode;
  /** Pause before each retry in ms; `null` honours the definition's IntervalSeconds/BackoffRate/jitter. @default LOCAL_RETRY_PAUSE_MS */
  readonly retryPauseMs?: number | null;
  /** Replaces the handler of any Lambda function (tests, debugging). */
  readonly handlers?: LambdaHandlers;
  /** Values for placeholders, over the local defaults. */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** Working directory of Batch job commands. @default gpu-jobs/resampler */
  readonly batchWorkingDir?: string;
  /** Where Batch job logs go before the run folder is known, or when it is not a local folder. */
  readonly logDir?: string;
  readonly onEvent?: (event: RunEvent) => void;
  /** Fail a share of Lambda invocations as AWS would (see faults.ts). @default none */
  readonly faults?: FaultOptions;
  /**
   * Run as deployed: every storage call, invoke, Map Run and job submission is authorized
   * against the synthesized stack's policies (deployed/). @default unchecked
   */
  readonly asDeployed?: DeployedAccess;
  /**
   * The model folders the stack deploys into its bucket (model-assets.ts): copied under a
   * folder data root before the run, as a deploy puts them in the bucket. @default none
   */
  readonly modelAssets?: readonly ModelAsset[];
}

export interface RunLocalResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly executionName: string;
  readonly executionArn: string;
  readonly output?: JsonValue;
  readonly error?: ErrorInfo;
  /** Plan's run root (its run id may differ from the execution name), once Plan ran. */
  readonly runRoot?: string;
  /** What the Summary function returned (a failed execution has no output to carry it). */
  readonly summary?: JsonValue;
  /** Faults injected, by kind, when `faults` was given. */
  readonly faults?: Readonly<FaultCounts>;
}

function defaultExecutionName(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\..*$/, '')
    .replace('T', '-');
  return `local-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The local folder of a file:// root, or undefined for s3://. */
function localFolder(uri: string): string | undefined {
  const parsed = parseUri(uri);
  return parsed.scheme === 'file' ? parsed.path : undefined;
}

export async function runLocal(options: RunLocalOptions): Promise<RunLocalResult> {
  const dataRoot = normaliseUri(options.dataRoot);
  const executionName = options.executionName ?? defaultExecutionName();
  // StartExecution refuses a name Step Functions does not take, before anything runs.
  const badName = options.asDeployed
    ? nameProblem('executionName', executionName, 'execution name')
    : undefined;
  if (badName) throw new Error(`InvalidName: ${badName}`);
  // Before any work: says what to install when the IAM evaluator is missing.
  if (options.asDeployed) await loadEvaluator();
  const emit = (event: RunEvent): void => options.onEvent?.(event);
  const raw =
    typeof options.definition === 'string'
      ? (JSON.parse(options.definition) as JsonValue)
      : (options.definition as JsonValue);
  const rootFolder = localFolder(dataRoot);
  if (rootFolder && options.modelAssets) await copyModelAssets(options.modelAssets, rootFolder);
  const prepared = prepareMachine(substitutePlaceholders(raw, dataRoot, options.substitutions));

  const input = options.input ?? {};
  const { executionArn, context } = executionContext(options.pipeline.name, executionName, input);

  // The run folder is Plan's runRoot; Batch logs go there once it is known.
  let runFolder: string | undefined;
  let runRoot: string | undefined;
  let summary: JsonValue | undefined;
  const fallbackLogDir =
    options.logDir ??
    path.join(localFolder(dataRoot) ?? tmpdir(), '.vlmflow', 'logs', executionName);

  const deployed = options.asDeployed ? deployedChecks(options.asDeployed) : undefined;
  const faults = options.faults ? createFaultInjector(options.faults) : undefined;
  const functions = createFunctionResolver({
    pipeline: options.pipeline,
    ...(options.handlers ? { handlers: options.handlers } : {}),
    ...(options.workerMode ? { workerMode: options.workerMode } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.asDeployed ? { asDeployed: options.asDeployed } : {}),
    ...(deployed ? { deployed } : {}),
    ...(faults ? { faults } : {}),
  });
  const lambdaInvoke = createLambdaInvokeHandler(
    functions.resolve,
    (functionName, payload, request) => {
      const role = roleOfFunction(functionName);
      if (role === 'summary') summary = payload;
      if (role === 'plan' && isJsonObject(payload) && typeof payload.runRoot === 'string') {
        runRoot = payload.runRoot;
        runFolder = localFolder(payload.runRoot);
        const plan = planEventOf(payload);
        if (plan) emit(plan);
      }
      const shard = role && SHARD_ROLES.includes(role) ? shardEventOf(payload, request) : undefined;
      if (shard) emit(shard);
    },
    deployed?.authorizeInvoke,
  );

  // As deployed, the job's storage requests are checked against the job role's policies.
  const hasJobs = [...prepared.tasks.values()].some((task) => task.kind === 'batch');
  const accessServer =
    options.asDeployed && hasJobs ? await startAccessServer(options.asDeployed) : undefined;
  const batch = createBatchRunner({
    ...(accessServer ? { environment: { [ACCESS_CHECK_ENV]: accessServer.url } } : {}),
    workingDir: options.batchWorkingDir,
    logDir: () => (runFolder ? path.join(runFolder, 'logs') : fallbackLogDir),
    timeoutSeconds: (name) => prepared.tasks.get(name)?.timeoutSeconds,
    onStart: (job) =>
      emit({
        type: 'batch',
        state: job.jobName,
        jobName: job.jobName,
        jobId: job.jobId,
        logFile: job.logFile,
      }),
  });

  const stateMachineOptions: StateMachineOptions = {
    validationOptions: { checkArn: true, checkPaths: true },
  };
  const taskHandlers: Record<string, TaskHandler> = {};
  const retryPauseMs =
    options.retryPauseMs === undefined ? LOCAL_RETRY_PAUSE_MS : options.retryPauseMs;
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers: taskHandlers,
      ...(retryPauseMs === null
        ? {}
        : {
            retryIntervalOverrides: Object.fromEntries(
              [...prepared.retryStates].map((name) => [name, retryPauseMs]),
            ),
          }),
    },
  };
  Object.assign(
    taskHandlers,
    taskHandlersFor(prepared, {
      lambdaInvoke,
      batch: (name) =>
        deployed ? deployed.asJobSubmission(batch.handlerFor(name)) : batch.handlerFor(name),
      map: (name, mapState) => {
        const mapHandler = createDistributedMapHandler({
          stateName: name,
          mapState,
          context,
          childRunOptions: () => runOptions,
          stateMachineOptions,
          concurrencyCap: Math.max(1, options.concurrency ?? availableParallelism()),
          onProgress: (progress) => emit({ type: 'map', ...progress }),
        });
        return deployed ? deployed.asMapRun(mapHandler) : mapHandler;
      },
    }),
  );

  const machine = new StateMachine(
    prepared.definition as unknown as StateMachineDefinition,
    stateMachineOptions,
  );
  emit({ type: 'execution', phase: 'started', executionName });
  const execution = machine.run(input, { ...runOptions, context });
  const watch = watchExecution(execution, emit);
  const injected = () => ({
    ...(faults ? { faults: { ...faults.injected } } : {}),
    ...(runRoot ? { runRoot } : {}),
    ...(summary !== undefined ? { summary } : {}),
  });
  try {
    const output = (await execution.result) as JsonValue;
    await watch.done;
    // The last state may pass the limit after the execution has already ended.
    const stopped = watch.failure();
    if (stopped) throw new Error(stopped.Cause);
    emit({ type: 'execution', phase: 'succeeded', executionName });
    return { status: 'SUCCEEDED', executionName, executionArn, output, ...injected() };
  } catch (error) {
    await watch.done;
    const failure = watch.failure() ?? executionFailure(error);
    emit({ type: 'execution', phase: 'failed', executionName, error: failure.Error });
    return { status: 'FAILED', executionName, executionArn, error: failure, ...injected() };
  } finally {
    batch.killAll();
    await functions.close();
    await accessServer?.close();
  }
}

/** The execution's ARN and the `$$` context object its states see. */
function executionContext(
  pipeline: string,
  executionName: string,
  input: JsonValue,
): { executionArn: string; context: JsonObject } {
  const stateMachineName = `vlmflow-${pipeline}`;
  const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${stateMachineName}:${executionName}`;
  return {
    executionArn,
    context: {
      Execution: {
        Id: executionArn,
        Name: executionName,
        Input: input,
        StartTime: new Date().toISOString(),
      },
      StateMachine: {
        Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName}`,
        Name: stateMachineName,
      },
    },
  };
}

/** The local handler of each task the rewrite left: Lambda invokes, Batch jobs, Distributed Maps. */
function taskHandlersFor(
  prepared: PreparedMachine,
  by: {
    readonly lambdaInvoke: TaskHandler;
    readonly batch: (state: string) => TaskHandler;
    readonly map: (state: string, mapState: AslState) => TaskHandler;
  },
): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const [name, task] of prepared.tasks) {
    if (task.kind === 'lambda') handlers[name] = by.lambdaInvoke;
    else if (task.kind === 'batch') handlers[name] = by.batch(name);
    else {
      const mapState = prepared.distributedMaps.get(name);
      if (!mapState) throw new Error(`internal: no Distributed Map definition for "${name}"`);
      handlers[name] = by.map(name, mapState);
    }
  }
  return handlers;
}
