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
import { isJsonObject, type JsonObject, type JsonValue } from './asl';
import { createBatchRunner } from './batch';
import { createDistributedMapHandler } from './distributed-map';
import { executionFailure, type ErrorInfo } from './errors';
import { planEventOf, shardEventOf, stateEventFrom, type RunEvent } from './events';
import { HISTORY_EVENT_LIMIT, historyEventsOf, historyLimitCause } from './history';
import { createFaultInjector, type FaultCounts, type FaultOptions } from './faults';
import {
  SHARD_ROLES,
  lazyProductionHandler,
  productionHandler,
  type LambdaHandlers,
} from './handlers';
import {
  assertWithinDataLimit,
  createLambdaInvokeHandler,
  type LambdaHandler,
  type TaskHandler,
} from './lambda-invoke';
import { prepareMachine } from './rewrite';
import { nameProblem } from '../../core/aws-names';
import type { DeployedAccess } from './deployed/access';
import { copyModelAssets, type ModelAsset } from '../cdk/model-assets';
import { deployedChecks } from './deployed/checks';
import { ACCESS_CHECK_ENV, startAccessServer } from './deployed/access-server';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  roleOfFunction,
  substitutePlaceholders,
  type LambdaRole,
} from './substitute';
import { createShardWorkerPool, type ShardWorkerPool, type WorkerMode } from './workers';
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
  const emit = (event: RunEvent): void => options.onEvent?.(event);
  const raw =
    typeof options.definition === 'string'
      ? (JSON.parse(options.definition) as JsonValue)
      : (options.definition as JsonValue);
  const rootFolder = localFolder(dataRoot);
  if (rootFolder && options.modelAssets) await copyModelAssets(options.modelAssets, rootFolder);
  const prepared = prepareMachine(substitutePlaceholders(raw, dataRoot, options.substitutions));

  const stateMachineName = `vlmflow-${options.pipeline.name}`;
  const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${stateMachineName}:${executionName}`;
  const input = options.input ?? {};
  const context: JsonObject = {
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
  };

  // The run folder is Plan's runRoot; Batch logs go there once it is known.
  let runFolder: string | undefined;
  let runRoot: string | undefined;
  let summary: JsonValue | undefined;
  const fallbackLogDir =
    options.logDir ??
    path.join(localFolder(dataRoot) ?? tmpdir(), '.vlmflow', 'logs', executionName);

  const deployed = options.asDeployed ? deployedChecks(options.asDeployed) : undefined;
  let pool: ShardWorkerPool | undefined;
  const shardHandler = (role: LambdaRole): LambdaHandler => {
    const { modulePath, operators } = options.pipeline;
    if (modulePath) {
      pool ??= createShardWorkerPool({
        pipelineModule: modulePath,
        mode: options.workerMode,
        size: options.concurrency,
        ...(options.asDeployed ? { access: options.asDeployed } : {}),
      });
      const running = pool;
      return (event, control) => running.run(event as JsonValue, control, role);
    }
    if (!operators)
      throw new Error(
        `pipeline ${options.pipeline.name}: give modulePath or operators to run shard functions`,
      );
    const inProcess = productionHandler(role, operators);
    return deployed ? deployed.asFunction(role, inProcess) : inProcess;
  };
  const faults = options.faults ? createFaultInjector(options.faults) : undefined;
  const handlers = new Map<string, LambdaHandler>();
  const resolveFunction = (functionName: string): LambdaHandler | undefined => {
    const role = roleOfFunction(functionName);
    if (!role) return undefined;
    let handler = handlers.get(role);
    if (!handler) {
      const given =
        options.handlers?.[role] ?? lazyProductionHandler(role, options.pipeline.operators);
      if (SHARD_ROLES.includes(role) && !options.handlers?.[role]) handler = shardHandler(role);
      else if (given) handler = deployed ? deployed.asFunction(role, given) : given;
    }
    if (handler && !handlers.has(role)) {
      if (faults) handler = faults.wrap(role, handler);
      handlers.set(role, handler);
    }
    return handler;
  };
  const lambdaInvoke = createLambdaInvokeHandler(
    resolveFunction,
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
  for (const [name, task] of prepared.tasks) {
    if (task.kind === 'lambda') taskHandlers[name] = lambdaInvoke;
    else if (task.kind === 'batch')
      taskHandlers[name] = deployed
        ? deployed.asJobSubmission(batch.handlerFor(name))
        : batch.handlerFor(name);
    else {
      const mapState = prepared.distributedMaps.get(name);
      if (!mapState) throw new Error(`internal: no Distributed Map definition for "${name}"`);
      const mapHandler = createDistributedMapHandler({
        stateName: name,
        mapState,
        context,
        childRunOptions: () => runOptions,
        stateMachineOptions,
        concurrencyCap: Math.max(1, options.concurrency ?? availableParallelism()),
        onProgress: (progress) => emit({ type: 'map', ...progress }),
      });
      taskHandlers[name] = deployed ? deployed.asMapRun(mapHandler) : mapHandler;
    }
  }

  const machine = new StateMachine(
    prepared.definition as unknown as StateMachineDefinition,
    stateMachineOptions,
  );
  emit({ type: 'execution', phase: 'started', executionName });
  const execution = machine.run(input, { ...runOptions, context });
  // Every state's input and output stays under Step Functions' 256 KB, or the run fails as
  // it would on AWS (lambda-invoke.ts checks the tasks inside Distributed Maps).
  let dataLimitFailure: ErrorInfo | undefined;
  let historyEvents = 2; // ExecutionStarted, and its end
  const forwarding = (async () => {
    for await (const entry of execution.eventLogs) {
      if ((entry.type === 'StateEntered' || entry.type === 'StateExited') && !dataLimitFailure) {
        const phase = entry.type === 'StateEntered' ? 'input' : 'output';
        try {
          assertWithinDataLimit(entry.state[phase], `The ${phase} of state '${entry.state.name}'`);
        } catch (error) {
          dataLimitFailure = executionFailure(error);
          execution.abort();
        }
      }
      const event = stateEventFrom(entry);
      if (event) {
        historyEvents += historyEventsOf(event);
        if (historyEvents > HISTORY_EVENT_LIMIT && !dataLimitFailure) {
          dataLimitFailure = { Error: 'States.Runtime', Cause: historyLimitCause(historyEvents) };
          execution.abort();
        }
        emit(event);
      }
    }
  })();
  const injected = () => ({
    ...(faults ? { faults: { ...faults.injected } } : {}),
    ...(runRoot ? { runRoot } : {}),
    ...(summary !== undefined ? { summary } : {}),
  });
  try {
    const output = (await execution.result) as JsonValue;
    await forwarding;
    // The last state may pass the limit after the execution has already ended.
    if (dataLimitFailure) throw new Error(dataLimitFailure.Cause);
    emit({ type: 'execution', phase: 'succeeded', executionName });
    return { status: 'SUCCEEDED', executionName, executionArn, output, ...injected() };
  } catch (error) {
    await forwarding;
    const failure = dataLimitFailure ?? executionFailure(error);
    emit({ type: 'execution', phase: 'failed', executionName, error: failure.Error });
    return { status: 'FAILED', executionName, executionArn, error: failure, ...injected() };
  } finally {
    batch.killAll();
    await pool?.close();
    await accessServer?.close();
  }
}
