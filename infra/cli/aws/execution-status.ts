/**
 * `vlmflow status <execution>` on AWS: the execution's state, for each Distributed Map it ran
 * the items (shards) of its Map Run by state, and for a failed one its cause in words (a failed
 * training job with the last lines of its CloudWatch log).
 */
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { FailureCause } from '../../../core/contracts';
import { describeFailure } from '../../../core/failure-causes';
import { readJobLogTail } from './job-logs';

/** Shard counts of one Distributed Map run. */
export interface MapRunProgress {
  /** The map's Label (`Curate<source>`), read from the Map Run ARN. */
  readonly label: string;
  readonly mapRunArn: string;
  readonly status: string;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly running: number;
  readonly pending: number;
}

export interface ExecutionStatus {
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate?: string;
  readonly stopDate?: string;
  readonly error?: string;
  readonly cause?: string;
  /** The run summary when the execution has finished. */
  readonly output?: unknown;
  readonly mapRuns: readonly MapRunProgress[];
  /** A failed execution's error and cause in words; a training job's with its log's last lines. */
  readonly causes?: readonly FailureCause[];
}

export async function describeExecutionStatus(
  client: SFNClient,
  executionArn: string,
  /** Reads a failed training job's log; without it the cause has no log lines. */
  logs?: CloudWatchLogsClient,
): Promise<ExecutionStatus> {
  const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
  const mapRunArns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListMapRunsCommand({ executionArn, nextToken }));
    for (const run of page.mapRuns ?? []) if (run.mapRunArn) mapRunArns.push(run.mapRunArn);
    nextToken = page.nextToken;
  } while (nextToken);
  const mapRuns = await Promise.all(
    mapRunArns.map(async (mapRunArn): Promise<MapRunProgress> => {
      const run = await client.send(new DescribeMapRunCommand({ mapRunArn }));
      const items = run.itemCounts;
      return {
        label: mapRunLabelOf(mapRunArn),
        mapRunArn,
        status: run.status ?? 'UNKNOWN',
        total: items?.total ?? 0,
        succeeded: items?.succeeded ?? 0,
        // Timed-out and aborted items did not produce their shard either.
        failed: (items?.failed ?? 0) + (items?.timedOut ?? 0) + (items?.aborted ?? 0),
        running: items?.running ?? 0,
        pending: items?.pending ?? 0,
      };
    }),
  );
  return {
    executionArn,
    name: execution.name ?? executionArn.split(':').pop() ?? executionArn,
    status: execution.status ?? 'UNKNOWN',
    ...(execution.startDate && { startDate: execution.startDate.toISOString() }),
    ...(execution.stopDate && { stopDate: execution.stopDate.toISOString() }),
    ...(execution.error !== undefined && { error: execution.error }),
    ...(execution.cause !== undefined && { cause: execution.cause }),
    ...(execution.output !== undefined && { output: parseJsonOrText(execution.output) }),
    mapRuns: [...mapRuns].sort((a, b) => a.label.localeCompare(b.label)),
    ...((execution.error !== undefined || execution.cause !== undefined) && {
      causes: [await causeOf(execution.error, execution.cause, logs)],
    }),
  };
}

async function causeOf(
  error: string | undefined,
  cause: string | undefined,
  logs: CloudWatchLogsClient | undefined,
): Promise<FailureCause> {
  const described = describeFailure(error, cause);
  if (!logs || described.logStream === undefined) return described.cause;
  return { ...described.cause, logTail: await readJobLogTail(logs, described.logStream) };
}

/** `arn:…:mapRun:<machine>/<label>:<id>` → `<label>`. */
export function mapRunLabelOf(mapRunArn: string): string {
  const resource = mapRunArn.split(':mapRun:')[1] ?? mapRunArn;
  const afterMachine = resource.slice(resource.indexOf('/') + 1);
  const lastColon = afterMachine.lastIndexOf(':');
  return lastColon > 0 ? afterMachine.slice(0, lastColon) : afterMachine;
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
