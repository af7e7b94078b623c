/**
 * A Step Functions {Error, Cause} in words, shared by the run summary (lambdas/handlers/
 * failure-causes.ts) and `vlmflow status` on AWS: a Lambda's errorMessage (with the operator and
 * sample an operator failure names), or a failed Batch job's reason, exit code and where its log
 * is, instead of the job's 3 KB DescribeJobs JSON.
 */
import type { FailureCause } from './contracts';
import { parseOperatorFailure } from './errors';

/** Keeps the execution output small: Lambda causes carry stack traces. */
const MAX_MESSAGE_CHARS = 2000;
/** Lines of a failed job's log shown with its cause. */
export const LOG_TAIL_LINES = 20;
/** Where AWS Batch's default awslogs driver writes a job's log (the job definition sets no other). */
export const BATCH_LOG_GROUP = '/aws/batch/job';

export interface DescribedFailure {
  readonly cause: Omit<FailureCause, 'stage' | 'shard'>;
  /** A Batch job's log stream: a file path locally, a stream of BATCH_LOG_GROUP on AWS. */
  readonly logStream?: string;
  /** A Batch job's name, for finding its stage. */
  readonly jobName?: string;
  /** A Batch job's id, which its failure log (core/layout.ts trainFailureLogKey) names. */
  readonly jobId?: string;
}

export function describeFailure(
  error: string | undefined,
  cause: string | undefined,
): DescribedFailure {
  const name = error ?? 'Error';
  const parsed = parseJson(cause ?? '');
  const lambdaMessage = field(parsed, 'errorMessage');
  if (typeof lambdaMessage === 'string') {
    const message = lambdaMessage.slice(0, MAX_MESSAGE_CHARS);
    return { cause: { error: name, message, ...parseOperatorFailure(message) } };
  }
  const jobName = field(parsed, 'JobName');
  if (typeof jobName === 'string') return describeBatchJob(name, jobName, parsed);
  return { cause: { error: name, message: (cause ?? '').slice(0, MAX_MESSAGE_CHARS) } };
}

/** A failed Batch job (DescribeJobs' detail, as Step Functions passes it): reason and exit code. */
function describeBatchJob(error: string, jobName: string, job: unknown): DescribedFailure {
  const container = field(job, 'Container');
  const exitCode = field(container, 'ExitCode');
  const reason = String(field(job, 'StatusReason') ?? field(container, 'Reason') ?? 'failed');
  const logStream = field(container, 'LogStreamName');
  const jobId = field(job, 'JobId');
  return {
    cause: {
      error,
      message:
        `training job ${jobName} failed: ${reason}` +
        (typeof exitCode === 'number' && !reason.includes('exit code')
          ? ` (exit code ${exitCode})`
          : ''),
    },
    jobName,
    ...(typeof jobId === 'string' ? { jobId } : {}),
    ...(typeof logStream === 'string' && logStream !== '' ? { logStream } : {}),
  };
}

/** Log lines as a cause shows them: no blank lines, the last LOG_TAIL_LINES, each cut to 500. */
export function logTailOf(lines: readonly string[]): string[] {
  return lines
    .filter((line) => line.trim().length > 0)
    .slice(-LOG_TAIL_LINES)
    .map((line) => line.slice(0, 500));
}

/**
 * The lines of a training job's failure log (`{jobId, exitCode, lines}`, written by
 * resampler/failure_log.py), when it is this job's: a rerun's job that was killed before it
 * could write leaves the previous attempt's log, which says nothing about this failure.
 */
export function failureLogLines(parsed: unknown, jobId: string | undefined): string[] {
  const lines = field(parsed, 'lines');
  const writtenBy = field(parsed, 'jobId');
  // A node of a multi-node job is `<jobId>#<node>`.
  const ofThisJob =
    jobId === undefined || (typeof writtenBy === 'string' && writtenBy.split('#')[0] === jobId);
  if (!Array.isArray(lines) || !ofThisJob) return [];
  return logTailOf(lines.filter((line): line is string => typeof line === 'string'));
}

/** Where a job's log is when the summary has no lines of it: AWS's stream, which status reads. */
export function cloudWatchPointer(logStream: string): string {
  return `its log is CloudWatch Logs stream ${logStream} in ${BATCH_LOG_GROUP}; \`vlmflow status\` shows its last lines`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `value[name]` when value is an object, else undefined: for reading untyped JSON. */
export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}
