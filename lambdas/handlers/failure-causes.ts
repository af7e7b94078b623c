/**
 * The causes of a run's failure, in the words of whatever failed: a shard's operator and sample
 * (from the Distributed Map's ResultWriter files), Plan's or Finalize's message, or a training
 * job's status and last log lines, instead of `States.ExceedToleratedFailureThreshold` or the
 * Batch job's JSON detail.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { readJson } from '../shards/json-io';
import { storageFor } from '../shards/storage';
import type { FailureCause } from '../../core/contracts';
import {
  cloudWatchPointer,
  describeFailure as describeCause,
  failureLogLines,
  logTailOf,
} from '../../core/failure-causes';
import { resultsPrefixUri, trainFailureLogUri } from '../../core/layout';
import { readResultWriterFailures, type MapFailure } from './map-failures';

/** Causes kept in the summary: the first is what a user needs; a few more show a pattern. */
export const MAX_CAUSES = 10;
const MAP_THRESHOLD_ERROR = 'States.ExceedToleratedFailureThreshold';

/**
 * A Step Functions {Error, Cause} in words (core/failure-causes.ts), with a training job's last
 * log lines when its log is a file (the local runner's). On AWS the stream is in CloudWatch
 * Logs, which `vlmflow status` reads (infra/cli/aws/job-logs.ts).
 */
export function describeFailure(
  error: string | undefined,
  cause: string | undefined,
): Omit<FailureCause, 'stage' | 'shard'> {
  const described = describeCause(error, cause);
  const logTail = readLogTail(described.logStream);
  return logTail.length > 0 ? { ...described.cause, logTail } : described.cause;
}

/**
 * A failed training job with the last lines it printed: the failure log the job writes itself
 * (the only copy of its output the summary can read on AWS), else its local log file. A job
 * killed before it could write (SIGKILL, out of memory) on AWS: the cause names its CloudWatch
 * stream, which `vlmflow status` reads.
 */
async function describeJobFailure(
  error: string | undefined,
  cause: string | undefined,
  failureLogUri: string,
): Promise<Omit<FailureCause, 'stage' | 'shard'>> {
  const described = describeCause(error, cause);
  const written = await readFailureLog(failureLogUri, described.jobId);
  const logTail = written.length > 0 ? written : readLogTail(described.logStream);
  if (logTail.length > 0) return { ...described.cause, logTail };
  const { logStream } = described;
  return logStream !== undefined && !isAbsolute(logStream)
    ? { ...described.cause, message: `${described.cause.message}; ${cloudWatchPointer(logStream)}` }
    : described.cause;
}

async function readFailureLog(uri: string, jobId: string | undefined): Promise<string[]> {
  try {
    return failureLogLines(await readJson(uri), jobId);
  } catch {
    return []; // none written (a job killed outright, or one that never started)
  }
}

/** The last lines of a local job's log file; none for a CloudWatch stream name. */
function readLogTail(logStream: string | undefined): string[] {
  if (logStream === undefined || !isAbsolute(logStream) || !existsSync(logStream)) return [];
  try {
    return logTailOf(readFileSync(logStream, 'utf8').split('\n'));
  } catch {
    return [];
  }
}

/**
 * The causes of the shards of a stage that failed, read from every ResultWriter output under
 * results/<stage>/ (a rerun adds one per map run); for each shard, its latest failure.
 */
export async function readShardCauses(
  runRoot: string,
  stage: string,
  shards: readonly string[],
): Promise<FailureCause[]> {
  const wanted = new Set(shards);
  const latest = new Map<string, MapFailure>();
  try {
    for await (const object of storageFor(runRoot).list(resultsPrefixUri(runRoot, stage))) {
      if (!object.uri.endsWith('/manifest.json')) continue;
      for (const [shard, failure] of await readResultWriterFailures(object.uri)) {
        const before = latest.get(shard);
        if (wanted.has(shard) && (!before || (failure.stopDate ?? '') >= (before.stopDate ?? '')))
          latest.set(shard, failure);
      }
    }
  } catch {
    // Best effort: the shard names are already in the summary.
  }
  return shards
    .filter((shard) => latest.has(shard))
    .map((shard) => {
      const failure = latest.get(shard)!;
      return { stage, shard, ...describeFailure(failure.error, failure.cause) };
    });
}

/**
 * Every cause of a run: the shards that failed, stage by stage, then the run's own error when
 * it says more than "too many shards failed" (Plan, Finalize, Mix, a training job).
 */
export async function collectCauses(
  runRoot: string | undefined,
  failedShards: Readonly<Record<string, readonly string[]>>,
  failure: { readonly Error?: unknown; readonly Cause?: unknown } | undefined,
  trainStageOf: (jobName: string) => string | undefined,
): Promise<FailureCause[]> {
  const causes: FailureCause[] = [];
  if (runRoot !== undefined) {
    for (const [stage, shards] of Object.entries(failedShards)) {
      if (shards.length > 0) causes.push(...(await readShardCauses(runRoot, stage, shards)));
    }
  }
  const error = typeof failure?.Error === 'string' ? failure.Error : undefined;
  const cause = typeof failure?.Cause === 'string' ? failure.Cause : undefined;
  if (
    (error !== undefined || cause !== undefined) &&
    !(error === MAP_THRESHOLD_ERROR && causes.length > 0)
  ) {
    const { jobName } = describeCause(error, cause);
    const stage = jobName !== undefined ? trainStageOf(jobName) : undefined;
    const described =
      runRoot !== undefined && stage !== undefined
        ? await describeJobFailure(error, cause, trainFailureLogUri(runRoot, stage))
        : describeFailure(error, cause);
    causes.unshift({ ...(stage ? { stage } : {}), ...described });
  }
  return causes.slice(0, MAX_CAUSES);
}
