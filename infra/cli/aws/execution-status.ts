/**
 * `vlmflow status <execution>` on AWS: the execution's state and, for each Distributed Map it
 * ran, the items (shards) of its Map Run by state.
 */
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';

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
}

export async function describeExecutionStatus(
  client: SFNClient,
  executionArn: string,
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
  };
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
