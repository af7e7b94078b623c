/**
 * A Distributed Map's ResultWriter output, in the layout and shape AWS writes:
 * `<Prefix>/<mapRunId>/manifest.json` plus `SUCCEEDED_0.json` / `FAILED_0.json` (one file per
 * status that has executions), each a JSON array of child executions.
 */
import { toJson, type JsonValue } from './asl';
import { storageFor } from '../../lambdas/shards/storage';
import { fromLocation } from '../../lambdas/shards/uri';

export type ChildStatus = 'SUCCEEDED' | 'FAILED';

export interface ChildExecution {
  readonly index: number;
  readonly name: string;
  readonly executionArn: string;
  readonly input: JsonValue;
  readonly startDate: Date;
  readonly stopDate: Date;
  readonly status: ChildStatus;
  readonly output?: JsonValue;
  readonly error?: { readonly Error: string; readonly Cause: string };
}

export interface ResultWriterTarget {
  readonly Bucket: string;
  readonly Prefix: string;
}

export interface MapRunOutput {
  readonly MapRunArn: string;
  readonly ResultWriterDetails: { readonly Bucket: string; readonly Key: string };
}

/** One entry of a result file, with the fields AWS writes (Input and Output as JSON strings). */
function resultEntry(child: ChildExecution, stateMachineArn: string): JsonValue {
  const entry: Record<string, unknown> = {
    ExecutionArn: child.executionArn,
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    StartDate: child.startDate.toISOString(),
    StateMachineArn: stateMachineArn,
    Status: child.status,
    StopDate: child.stopDate.toISOString(),
  };
  if (child.status === 'SUCCEEDED') {
    entry.Output = JSON.stringify(child.output ?? null);
    entry.OutputDetails = { Included: true };
  } else {
    entry.Error = child.error?.Error ?? 'States.TaskFailed';
    entry.Cause = child.error?.Cause ?? '';
  }
  return toJson(entry);
}

export async function writeMapResults(
  target: ResultWriterTarget,
  mapRunArn: string,
  mapRunId: string,
  stateMachineArn: string,
  children: readonly ChildExecution[],
): Promise<MapRunOutput> {
  const folderKey = [target.Prefix.replace(/\/+$/, ''), mapRunId]
    .filter((part) => part !== '')
    .join('/');
  const write = async (name: string, value: JsonValue): Promise<{ Key: string; Size: number }> => {
    const key = `${folderKey}/${name}`;
    const uri = fromLocation(target.Bucket, key);
    const { bytes } = await storageFor(uri).write(uri, JSON.stringify(value));
    return { Key: key, Size: bytes };
  };
  const files: Record<ChildStatus | 'PENDING', { Key: string; Size: number }[]> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const entries = children
      .filter((child) => child.status === status)
      .sort((a, b) => a.index - b.index)
      .map((child) => resultEntry(child, stateMachineArn));
    if (entries.length > 0) files[status].push(await write(`${status}_0.json`, entries));
  }
  const manifest = await write(
    'manifest.json',
    toJson({ DestinationBucket: target.Bucket, MapRunArn: mapRunArn, ResultFiles: files }),
  );
  return {
    MapRunArn: mapRunArn,
    ResultWriterDetails: { Bucket: target.Bucket, Key: manifest.Key },
  };
}
