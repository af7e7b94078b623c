/**
 * Distributed Map semantics the interpreter lacks, as the local handler of the Task a
 * Distributed Map was rewritten into (see rewrite.ts): ItemReader (JSON/JSONL from storage),
 * ItemSelector with `$$.Map.Item.*`, ItemBatcher, MaxConcurrency(+Path), one interpreter
 * execution per item, ToleratedFailurePercentage/Count(+Path), and ResultWriter.
 */
import { randomUUID } from 'node:crypto';
import {
  StateMachine,
  type RunOptions,
  type StateMachineDefinition,
  type StateMachineOptions,
} from 'aws-local-stepfunctions';
import {
  isJsonObject,
  optionalNumber,
  optionalString,
  type AslState,
  type JsonObject,
  type JsonValue,
} from './asl';
import { executionFailure, statesRuntimeError, TaskError } from './errors';
import type { TaskHandler } from './lambda-invoke';
import { mapUnits } from './item-reader';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './substitute';
import { processorOf } from './rewrite';
import { ResultSpool, type ChildExecution, type ResultWriterTarget } from './result-writer';
import { evaluatePath, evaluateTemplate } from './template';

export interface MapProgress {
  readonly state: string;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly running: number;
}

export interface DistributedMapOptions {
  readonly stateName: string;
  /** The prepared Map state (see prepareMachine). */
  readonly mapState: AslState;
  /** The root execution's context object: `$$.Execution.*`, `$$.StateMachine.*`. */
  readonly context: JsonObject;
  /** Overrides etc. for each item's execution; read when the map runs. */
  readonly childRunOptions: () => RunOptions;
  readonly stateMachineOptions?: StateMachineOptions;
  /** Upper bound on items in flight whatever MaxConcurrency says (the local machine's capacity). */
  readonly concurrencyCap: number;
  readonly onProgress?: (progress: MapProgress) => void;
  /**
   * Called once a child's result is recorded, with how many child results the handler then
   * holds in memory: with a ResultWriter only those still being spooled, so it stays within
   * the concurrency however many items there are (tests check this).
   */
  readonly onChildRecorded?: (resultsInMemory: number) => void;
}

interface Tolerance {
  readonly percentage?: number;
  readonly count?: number;
}

async function numberField(
  state: AslState,
  field: string,
  input: JsonValue,
  context: JsonObject,
): Promise<number | undefined> {
  const path = optionalString(state, `${field}Path`);
  if (path === undefined) return optionalNumber(state, field);
  const value = await evaluatePath(path, input, context);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw statesRuntimeError(
      `${field}Path ${path} must point to a number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

async function toleranceOf(
  state: AslState,
  input: JsonValue,
  context: JsonObject,
): Promise<Tolerance> {
  const percentage = await numberField(state, 'ToleratedFailurePercentage', input, context);
  const count = await numberField(state, 'ToleratedFailureCount', input, context);
  if (percentage !== undefined && (percentage < 0 || percentage > 100)) {
    throw statesRuntimeError(`ToleratedFailurePercentage ${percentage} is not within 0..100`);
  }
  if (count !== undefined && (count < 0 || !Number.isInteger(count))) {
    throw statesRuntimeError(`ToleratedFailureCount ${count} is not a non-negative integer`);
  }
  return { percentage, count };
}

/**
 * AWS fails the Map Run when failures EXCEED a threshold (reaching it is tolerated), when
 * either one is exceeded if both are given, and on any failure if neither is.
 */
export function exceedsTolerance(failed: number, total: number, tolerance: Tolerance): boolean {
  if (failed === 0) return false;
  const { percentage, count } = tolerance;
  if (percentage === undefined && count === undefined) return true;
  if (count !== undefined && failed > count) return true;
  return percentage !== undefined && (failed / total) * 100 > percentage;
}

function describe(tolerance: Tolerance): string {
  const parts = [
    tolerance.percentage === undefined ? undefined : `${tolerance.percentage}%`,
    tolerance.count === undefined ? undefined : `${tolerance.count} items`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? 'none' : parts.join(' or ');
}

async function resultWriterTarget(
  state: AslState,
  input: JsonValue,
  context: JsonObject,
): Promise<ResultWriterTarget | undefined> {
  const writer = isJsonObject(state.ResultWriter) ? state.ResultWriter : undefined;
  if (!writer) return undefined;
  const target = await evaluateTemplate(writer.Parameters ?? {}, input, context);
  if (
    !isJsonObject(target) ||
    typeof target.Bucket !== 'string' ||
    typeof target.Prefix !== 'string'
  ) {
    throw statesRuntimeError(
      `ResultWriter.Parameters must give Bucket and Prefix, got ${JSON.stringify(target)}`,
    );
  }
  return { Bucket: target.Bucket, Prefix: target.Prefix };
}

export function createDistributedMapHandler(options: DistributedMapOptions): TaskHandler {
  const { stateName, mapState: state, context } = options;
  const processor = new StateMachine(
    processorOf(state) as unknown as StateMachineDefinition,
    options.stateMachineOptions,
  );
  const stateMachineName = isJsonObject(context.StateMachine)
    ? String(context.StateMachine.Name ?? 'local')
    : 'local';
  const label = optionalString(state, 'Label') ?? stateName;
  const childMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName}/${label}`;

  return async (input) => {
    const units = await mapUnits(state, input, context);
    const maxConcurrency = (await numberField(state, 'MaxConcurrency', input, context)) ?? 0;
    if (maxConcurrency < 0 || !Number.isInteger(maxConcurrency)) {
      throw statesRuntimeError(`MaxConcurrency ${maxConcurrency} is not a non-negative integer`);
    }
    const tolerance = await toleranceOf(state, input, context);
    // 0 means "as many as possible" on AWS; here that is the machine's capacity.
    const width = Math.min(
      maxConcurrency === 0 ? Infinity : maxConcurrency,
      Math.max(1, options.concurrencyCap),
    );
    const target = await resultWriterTarget(state, input, context);

    const mapRunId = randomUUID();
    const mapRunArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:mapRun:${stateMachineName}/${label}:${mapRunId}`;
    // With a ResultWriter each child's result goes to a spool file as soon as it ends; without
    // one AWS returns every output in the state's output, so they are kept (< 256 KB anyway).
    const spool = target ? await ResultSpool.open(units.count, childMachineArn) : undefined;
    const outputs: JsonValue[] = [];
    let outputsKept = 0;
    const counts = { succeeded: 0, failed: 0, running: 0 };
    let exceeded = false;
    let stopped = false;
    const report = (): void =>
      options.onProgress?.({ state: stateName, total: units.count, ...counts });

    const runChild = async (index: number): Promise<void> => {
      const childInput = await units.at(index);
      const name = randomUUID();
      const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${stateMachineName}/${label}:${name}`;
      const startDate = new Date();
      counts.running += 1;
      report();
      const base = options.childRunOptions();
      const childContext = {
        Execution: { Id: executionArn, Name: name },
        StateMachine: { Id: childMachineArn, Name: `${stateMachineName}/${label}` },
      };
      const common = { index, name, executionArn, input: childInput, startDate };
      let child: ChildExecution;
      try {
        const output = (await processor.run(childInput, { ...base, context: childContext })
          .result) as JsonValue;
        child = { ...common, stopDate: new Date(), status: 'SUCCEEDED', output };
        counts.succeeded += 1;
      } catch (error) {
        const failure = executionFailure(error);
        child = { ...common, stopDate: new Date(), status: 'FAILED', error: failure };
        counts.failed += 1;
        if (exceedsTolerance(counts.failed, units.count, tolerance)) exceeded = true;
      } finally {
        counts.running -= 1;
        report();
      }
      if (spool) await spool.add(child);
      else {
        outputs[index] = child.status === 'SUCCEEDED' ? (child.output ?? null) : { ...child.error };
        outputsKept += 1;
      }
      options.onChildRecorded?.(spool ? spool.entriesInMemory : outputsKept);
    };

    // A fixed set of lanes takes items in index order, so nothing is queued per item.
    let next = 0;
    const lane = async (): Promise<void> => {
      // Once the Map Run has failed (or broke), nothing new starts.
      while (!exceeded && !stopped && next < units.count) {
        const index = next;
        next += 1;
        try {
          await runChild(index);
        } catch (error) {
          stopped = true;
          throw error;
        }
      }
    };
    let output: JsonValue;
    try {
      report();
      const lanes = await Promise.allSettled(
        Array.from({ length: Math.min(width, units.count) }, lane),
      );
      const broken = lanes.find((result) => result.status === 'rejected');
      if (broken) throw broken.reason;
      output =
        spool && target ? { ...(await spool.writeResults(target, mapRunArn, mapRunId)) } : outputs;
    } finally {
      await spool?.close();
    }
    if (exceeded) {
      throw new TaskError(
        'States.ExceedToleratedFailureThreshold',
        `The specified tolerated failure threshold was exceeded: ${counts.failed} of ${units.count} items failed ` +
          `(tolerated: ${describe(tolerance)}). Map Run ${mapRunArn}`,
      );
    }
    return output;
  };
}
