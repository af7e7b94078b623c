/**
 * Why shards failed, from a Distributed Map's ResultWriter: its manifest.json lists FAILED
 * result files (`FAILED_0.json`, `FAILED_1.json`, …: large results are split, on AWS and in the
 * local runner), each a JSON array of child executions with Input, Error and Cause; all are
 * read, one at a time. Best effort: the stats markers decide which shards failed; this only
 * names the reasons.
 */
import { readJson } from '../shards/json-io';
import { fromLocation, toLocation } from '../../core/uri';
import { field } from '../../core/failure-causes';

export interface MapFailure {
  readonly error?: string;
  readonly cause?: string;
  /** When the child execution stopped (ISO 8601), to tell a rerun's failure from an older one. */
  readonly stopDate?: string;
}

interface ResultWriterManifest {
  readonly DestinationBucket?: string;
  readonly ResultFiles?: { readonly FAILED?: readonly { readonly Key?: string }[] };
}

interface ChildExecution {
  readonly Input?: unknown;
  readonly Error?: unknown;
  readonly Cause?: unknown;
  readonly StopDate?: unknown;
}

const MAX_CAUSE_CHARS = 1000;

/** Shard key → failure, or an empty map when the result cannot be read. */
export async function readMapFailures(mapResult: unknown): Promise<Map<string, MapFailure>> {
  const details = field(mapResult, 'ResultWriterDetails');
  const bucket = field(details, 'Bucket');
  const key = field(details, 'Key');
  if (typeof bucket !== 'string' || typeof key !== 'string') return new Map();
  return readResultWriterFailures(fromLocation(bucket, key));
}

/** Shard key → failure from one ResultWriter manifest.json; empty when it cannot be read. */
export async function readResultWriterFailures(
  manifestUri: string,
): Promise<Map<string, MapFailure>> {
  const failures = new Map<string, MapFailure>();
  try {
    const manifest = await readJson<ResultWriterManifest>(manifestUri);
    for (const file of manifest.ResultFiles?.FAILED ?? []) {
      if (typeof file.Key !== 'string') continue;
      const executions = await readJson<readonly ChildExecution[]>(
        fromLocation(manifest.DestinationBucket ?? toLocation(manifestUri).Bucket, file.Key),
      );
      for (const execution of executions) {
        const shard = shardKeyOf(execution.Input);
        if (shard === undefined) continue;
        failures.set(shard, {
          error: typeof execution.Error === 'string' ? execution.Error : undefined,
          cause:
            typeof execution.Cause === 'string'
              ? execution.Cause.slice(0, MAX_CAUSE_CHARS)
              : undefined,
          stopDate: typeof execution.StopDate === 'string' ? execution.StopDate : undefined,
        });
      }
    }
  } catch {
    // The result is a courtesy; a missing or odd one must not fail the stage.
  }
  return failures;
}

/** The shard key in a map item's input: a ShardEvent, a ShardTask or a bare ShardItem. */
function shardKeyOf(input: unknown): string | undefined {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const task = field(value, 'task') ?? value;
  const item = field(task, 'item') ?? task;
  const key = field(item, 'key');
  return typeof key === 'string' ? key : undefined;
}
