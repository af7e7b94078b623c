/**
 * Summary: the last state of every run, reached on success and from the Catch on failure.
 * Turns the final state data into the run summary (the execution output) and writes it to
 * <runRoot>/summary.json when the run got far enough to have a root.
 */
import { writeJson } from '../shards/json-io';
import { writeReportBestEffort } from '../report/hook';
import type { DatasetRef, RunSummary, StageCounts, SummaryEvent } from '../../core/contracts';
import { RUN_ID_PATTERN, runBindingUri, runRootOf, summaryUri } from '../../core/layout';
import { storageFor } from '../shards/storage';
import { withUnfinishedShards } from './unfinished-shards';
import { collectCauses, describeFailure } from './failure-causes';

export async function handler(event: SummaryEvent): Promise<RunSummary> {
  const runRoot = await runRootFor(event);
  const built = buildSummary(event);
  const stages = event.state.stages;
  const withShards =
    event.status === 'FAILED' && runRoot !== undefined && typeof stages === 'object' && stages
      ? await withUnfinishedShards(built, runRoot, Object.keys(stages)).catch(() => built)
      : built;
  const causes = await collectCauses(
    runRoot,
    withShards.failedShards,
    failureOf(event.state),
    (jobName) => trainStageOfJob(jobName, withShards.pipeline, withShards.runId),
  );
  const summary = causes.length > 0 ? { ...withShards, causes } : withShards;
  if (runRoot !== undefined) {
    try {
      await writeJson(summaryUri(runRoot), summary);
    } catch (error) {
      // On a failed run the storage may be the failure; the summary is still the output.
      if (event.status === 'SUCCEEDED') throw error;
      console.error(`could not write ${summaryUri(runRoot)}:`, error);
    }
    await writeReportBestEffort(runRoot); // report/index.html; never fails the run
  }
  return summary;
}

export function buildSummary(event: SummaryEvent): RunSummary {
  const { state } = event;
  const stages: Record<string, StageCounts> = {};
  const outputs: Record<string, string> = {};
  const failedShards: Record<string, readonly string[]> = {};
  for (const [name, ref] of Object.entries(datasetsOf(state))) {
    stages[name] = { in: ref.in, kept: ref.kept, rejected: ref.rejected };
    outputs[name] = ref.manifestUri;
    if (ref.failedShardCount > 0) failedShards[name] = ref.failedShards;
  }
  const error = errorOf(state.failure);
  const randomWeightModels = state.randomWeightModels as RunSummary['randomWeightModels'];
  return {
    runId: runIdOf(state) ?? 'unknown',
    pipeline: typeof state.pipeline === 'string' ? state.pipeline : event.pipeline,
    status: event.status,
    stages,
    outputs,
    failedShards,
    ...(error ? { error } : {}),
    ...(randomWeightModels && Object.keys(randomWeightModels).length > 0
      ? { randomWeightModels }
      : {}),
  };
}

/**
 * Plan's runRoot, or (when Plan failed) the root the run id would have had, unless a run
 * already lives there: a refused rerun (run-binding.ts) must not overwrite that run's summary.
 */
async function runRootFor(event: SummaryEvent): Promise<string | undefined> {
  const { state } = event;
  if (typeof state.runRoot === 'string' && state.runRoot.length > 0) return state.runRoot;
  const runId = runIdOf(state);
  if (runId === undefined || !RUN_ID_PATTERN.test(runId) || /^\.+$/.test(runId)) return undefined;
  try {
    const runRoot = runRootOf(event.dataRoot, event.pipeline, runId);
    const binding = runBindingUri(runRoot);
    return (await storageFor(binding).exists(binding)) ? undefined : runRoot;
  } catch {
    return undefined;
  }
}

function runIdOf(state: Record<string, unknown>): string | undefined {
  const input = state.input;
  const candidates = [
    state.runId,
    typeof input === 'object' && input !== null
      ? (input as Record<string, unknown>).runId
      : undefined,
    state.executionName,
  ];
  return candidates.find((value): value is string => typeof value === 'string' && value.length > 0);
}

function datasetsOf(state: Record<string, unknown>): Record<string, DatasetRef> {
  const datasets = state.datasets;
  if (typeof datasets !== 'object' || datasets === null) return {};
  return Object.fromEntries(
    Object.entries(datasets as Record<string, unknown>).filter(([, ref]) => isDatasetRef(ref)),
  ) as Record<string, DatasetRef>;
}

function isDatasetRef(value: unknown): value is DatasetRef {
  if (typeof value !== 'object' || value === null) return false;
  const ref = value as Partial<DatasetRef>;
  return (
    typeof ref.in === 'number' &&
    typeof ref.kept === 'number' &&
    typeof ref.manifestUri === 'string'
  );
}

function failureOf(
  state: Record<string, unknown>,
): { Error?: unknown; Cause?: unknown } | undefined {
  const failure = state.failure;
  return typeof failure === 'object' && failure !== null
    ? (failure as { Error?: unknown; Cause?: unknown })
    : undefined;
}

/** The train stage of a Batch job named `<pipeline>-<stage>-<runId>` (render-stages). */
function trainStageOfJob(jobName: string, pipeline: string, runId: string): string | undefined {
  const prefix = `${pipeline}-`;
  const suffix = `-${runId}`;
  return jobName.startsWith(prefix) && jobName.endsWith(suffix)
    ? jobName.slice(prefix.length, jobName.length - suffix.length) || undefined
    : undefined;
}

/** Step Functions' {Error, Cause} in words (a Lambda's errorMessage, a Batch job's reason). */
function errorOf(failure: unknown): RunSummary['error'] {
  if (typeof failure !== 'object' || failure === null) return undefined;
  const { Error: name, Cause: cause } = failure as { Error?: unknown; Cause?: unknown };
  if (typeof name !== 'string' && typeof cause !== 'string') return undefined;
  const described = describeFailure(
    typeof name === 'string' ? name : undefined,
    typeof cause === 'string' ? cause : undefined,
  );
  return { error: described.error, cause: described.message };
}
