/**
 * Hand-written definitions of the compiled shape (Plan → Distributed Map → Summarize, Catch →
 * Record failure → Fail) for the local runner's tests, with knobs for what each test varies.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AslState, JsonObject, JsonValue } from '../../infra/local/asl';
import { toLocation, toPrefixLocation } from '../../core/uri';

export const LAMBDA_RETRY: JsonValue = [
  {
    ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'],
    IntervalSeconds: 2,
    MaxAttempts: 3,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: 'FULL',
  },
];

const CATCH: JsonValue = [
  { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record failure' },
];

export function lambdaTask(
  placeholder: string,
  payload: JsonObject,
  fields: JsonObject = {},
): AslState {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: `\${${placeholder}}`, Payload: payload },
    TimeoutSeconds: 30,
    Retry: LAMBDA_RETRY,
    ...fields,
  };
}

export interface MapKnobs {
  readonly map?: JsonObject;
  readonly resultWriter?: boolean;
  /** Replaces the default `ToleratedFailurePercentagePath` ({} for no tolerance at all). */
  readonly tolerance?: JsonObject;
  /** Inside a Parallel branch: no Catch to the top-level failure path, and this Next (or End). */
  readonly inBranch?: { readonly next?: string };
}

/** A Distributed Map of source `s` reading the manifest Plan points at. */
export function distributedMap(knobs: MapKnobs = {}): AslState {
  return {
    Type: 'Map',
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Bucket.$': '$.stages.s.manifest.Bucket', 'Key.$': '$.stages.s.manifest.Key' },
    },
    ItemSelector: {
      stage: 's',
      'runId.$': '$.runId',
      'item.$': '$$.Map.Item.Value',
      'index.$': '$$.Map.Item.Index',
      'execution.$': '$$.Execution.Name',
    },
    ItemProcessor: {
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: 'Curate s shard',
      States: {
        'Curate s shard': lambdaTask(
          'CurateFunctionArn',
          { 'task.$': '$', segment: 0 },
          { OutputPath: '$.Payload', End: true },
        ),
      },
    },
    MaxConcurrencyPath: '$.params.maxConcurrency',
    ...(knobs.tolerance ?? {
      ToleratedFailurePercentagePath: '$.params.toleratedFailurePercentage',
    }),
    ...(knobs.resultWriter === false
      ? {}
      : {
          ResultWriter: {
            Resource: 'arn:aws:states:::s3:putObject',
            Parameters: {
              'Bucket.$': '$.stages.s.results.Bucket',
              'Prefix.$': '$.stages.s.results.Prefix',
            },
          },
        }),
    ResultPath: '$.maps.s',
    ...(knobs.inBranch
      ? knobs.inBranch.next
        ? { Next: knobs.inBranch.next }
        : { End: true }
      : { Catch: CATCH, Next: 'Summarize' }),
    ...knobs.map,
  };
}

/** Plan → <middle states…> → Summarize, with the failure path of the compiled machines. */
export function machine(middle: Record<string, AslState>, first: string): JsonObject {
  return {
    StartAt: 'Plan',
    States: {
      Plan: lambdaTask(
        'PlanFunctionArn',
        { 'input.$': '$', 'executionName.$': '$$.Execution.Name', dataRoot: '${DataRoot}' },
        { OutputPath: '$.Payload', Catch: CATCH, Next: first },
      ),
      ...middle,
      Summarize: lambdaTask(
        'SummaryFunctionArn',
        { status: 'SUCCEEDED', 'state.$': '$' },
        { OutputPath: '$.Payload', End: true },
      ),
      'Record failure': lambdaTask(
        'SummaryFunctionArn',
        { status: 'FAILED', 'state.$': '$' },
        { ResultPath: '$.summary', Next: 'Run failed' },
      ),
      'Run failed': { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
    },
  };
}

export interface Workdir {
  readonly dir: string;
  /** A Plan output pointing at a manifest of `items` and a results folder. */
  plan(items: readonly JsonValue[], params?: JsonObject): Promise<JsonObject>;
}

const created: string[] = [];

/** Removes every workdir made so far (call from afterAll). */
export async function removeWorkdirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function makeWorkdir(): Promise<Workdir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-local-'));
  created.push(dir);
  return {
    dir,
    plan: async (items, params = {}) => {
      const manifest = path.join(dir, 'manifests', 's.json');
      await mkdir(path.dirname(manifest), { recursive: true });
      await writeFile(manifest, JSON.stringify(items));
      return {
        runId: 'run1',
        runRoot: `file://${dir}`,
        params: { maxConcurrency: 0, toleratedFailurePercentage: 0, ...params },
        stages: {
          s: {
            manifest: toLocation(manifest),
            results: toPrefixLocation(path.join(dir, 'results', 's')),
          },
        },
      };
    },
  };
}
