/**
 * The causes of a run's failure, in the words of whatever failed: a shard's operator and sample
 * (from the Distributed Map's ResultWriter files), Plan's or Finalize's message, or a training
 * job's status and last log lines, instead of `States.ExceedToleratedFailureThreshold` or the
 * Batch job's JSON detail.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { storageFor } from '../shards/storage';
import type { FailureCause } from '../../core/contracts';
import { parseOperatorFailure } from '../../core/errors';
import { resultsPrefixUri } from '../../core/layout';
import { readResultWriterFailures, type MapFailure } from './map-failures';

/** Causes kept in the summary: the first is what a user needs; a few more show a pattern. */
export const MAX_CAUSES = 10;
/** Keeps the execution output small: Lambda causes carry stack traces. */
const MAX_MESSAGE_CHARS = 2000;
const LOG_TAIL_LINES = 20;
const MAP_THRESHOLD_ERROR = 'States.ExceedToleratedFailureThreshold';

/** A Step Functions {Error, Cause} in words: a Lambda's errorMessage, a Batch job's reason. */
export function describeFailure(
  error: string | undefined,
  cause: string | undefined,
): Omit<FailureCause, 'stage' | 'shard'> {
  const name = error ?? 'Error';
  const parsed = parseJson(cause ?? '');
  const lambdaMessage = field(parsed, 'errorMessage');
  if (typeof lambdaMessage === 'string') {
    const message = lambdaMessage.slice(0, MAX_MESSAGE_CHARS);
    return { error: name, message, ...parseOperatorFailure(message) };
  }
  if (typeof field(parsed, 'JobName') === 'string') return describeBatchJob(name, parsed);
  return { error: name, message: (cause ?? '').slice(0, MAX_MESSAGE_CHARS) };
}

/** A failed Batch job (DescribeJobs' detail): its reason, exit code and, when local, its log. */
function describeBatchJob(error: string, job: unknown): Omit<FailureCause, 'stage' | 'shard'> {
  const container = field(job, 'Container');
  const exitCode = field(container, 'ExitCode');
  const reason = String(field(job, 'StatusReason') ?? field(container, 'Reason') ?? 'failed');
  const logTail = readLogTail(field(container, 'LogStreamName'));
  return {
    error,
    message:
      `training job ${String(field(job, 'JobName'))} failed: ${reason}` +
      (typeof exitCode === 'number' && !reason.includes('exit code')
        ? ` (exit code ${exitCode})`
        : ''),
    ...(logTail.length > 0 ? { logTail } : {}),
  };
}

/**
 * The last lines of a job's log. The local runner's log stream is a file; on AWS it is a
 * CloudWatch stream name, which this does not read (the message then names the stream).
 */
function readLogTail(logStream: unknown): string[] {
  if (typeof logStream !== 'string' || !isAbsolute(logStream) || !existsSync(logStream)) return [];
  try {
    const lines = readFileSync(logStream, 'utf8').split('\n');
    return lines
      .filter((line) => line.trim().length > 0)
      .slice(-LOG_TAIL_LINES)
      .map((line) => line.slice(0, 500));
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
    const described = describeFailure(error, cause);
    const jobName = field(parseJson(cause ?? ''), 'JobName');
    const stage = typeof jobName === 'string' ? trainStageOf(jobName) : undefined;
    causes.unshift({ ...(stage ? { stage } : {}), ...described });
  }
  return causes.slice(0, MAX_CAUSES);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}
