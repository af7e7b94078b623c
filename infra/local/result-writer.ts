/**
 * A Distributed Map's ResultWriter output, in the layout and shape AWS writes:
 * `<Prefix>/<mapRunId>/manifest.json` plus `SUCCEEDED_n.json` / `FAILED_n.json` (files only for
 * statuses that have executions), each a JSON array of child executions in item order.
 *
 * Memory does not grow with the number of items: each child's entry is serialised and
 * appended to a local spool file as soon as the child ends; only its offset, length and status
 * stay in memory (13 bytes an item, in typed arrays). At the end the entries are copied from the
 * spool into the result files in item order, streaming, so the files are the same whatever
 * order the children finished in.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { toJson, type JsonValue } from './asl';
import { storageFor } from '../../lambdas/shards/storage';
import { fromLocation } from '../../core/uri';

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

/**
 * A result file holds entries up to this many bytes (at least one entry), then the next
 * `<STATUS>_<n+1>.json` starts, so that a reader such as map-failures.ts never has to load
 * one unbounded array.
 */
export const DEFAULT_MAX_RESULT_FILE_BYTES = 64 * 1024 * 1024;

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

const STATUS_CODES: Readonly<Record<ChildStatus, number>> = { SUCCEEDED: 1, FAILED: 2 };

interface FileRange {
  /** Item indices [from, to) whose entries of this status go into one file. */
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
}

export class ResultSpool {
  private readonly offsets: Float64Array;
  private readonly lengths: Uint32Array;
  /** 0: no entry (the item never ran), else STATUS_CODES. */
  private readonly statuses: Uint8Array;
  private size = 0;
  private writing = 0;

  private constructor(
    private readonly folder: string,
    private readonly handle: FileHandle,
    private readonly stateMachineArn: string,
    itemCount: number,
  ) {
    this.offsets = new Float64Array(itemCount);
    this.lengths = new Uint32Array(itemCount);
    this.statuses = new Uint8Array(itemCount);
  }

  /** A spool for a Map Run of `itemCount` items (its units: batches when batched). */
  static async open(itemCount: number, stateMachineArn: string): Promise<ResultSpool> {
    const folder = await mkdtemp(path.join(tmpdir(), 'vlmflow-map-results-'));
    try {
      const handle = await open(path.join(folder, 'entries'), 'w+');
      return new ResultSpool(folder, handle, stateMachineArn, itemCount);
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /** Entries serialised but not yet on disk: the only per-item data this spool holds. */
  get entriesInMemory(): number {
    return this.writing;
  }

  async add(child: ChildExecution): Promise<void> {
    if (this.statuses[child.index] !== 0) {
      throw new Error(`internal: Map item ${child.index} recorded twice`);
    }
    const bytes = Buffer.from(JSON.stringify(resultEntry(child, this.stateMachineArn)));
    // The offset is taken synchronously, so concurrent adds never overlap in the file.
    const offset = this.size;
    this.size += bytes.length;
    this.writing += 1;
    try {
      await this.handle.write(bytes, 0, bytes.length, offset);
    } finally {
      this.writing -= 1;
    }
    this.offsets[child.index] = offset;
    this.lengths[child.index] = bytes.length;
    this.statuses[child.index] = STATUS_CODES[child.status];
  }

  /** Writes the result files and manifest.json; AWS's ResultWriter output for the state. */
  async writeResults(
    target: ResultWriterTarget,
    mapRunArn: string,
    mapRunId: string,
    maxFileBytes = DEFAULT_MAX_RESULT_FILE_BYTES,
  ): Promise<MapRunOutput> {
    const folderKey = [target.Prefix.replace(/\/+$/, ''), mapRunId]
      .filter((part) => part !== '')
      .join('/');
    const write = async (
      name: string,
      body: Readable | string,
    ): Promise<{ Key: string; Size: number }> => {
      const key = `${folderKey}/${name}`;
      const uri = fromLocation(target.Bucket, key);
      const { bytes } = await storageFor(uri).write(uri, body);
      return { Key: key, Size: bytes };
    };
    const files: Record<ChildStatus | 'PENDING', { Key: string; Size: number }[]> = {
      FAILED: [],
      PENDING: [],
      SUCCEEDED: [],
    };
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      const ranges = this.fileRanges(STATUS_CODES[status], maxFileBytes);
      for (const [n, range] of ranges.entries()) {
        const file = await write(
          `${status}_${n}.json`,
          Readable.from(this.arrayChunks(STATUS_CODES[status], range)),
        );
        files[status].push(file);
      }
    }
    const manifest = await write(
      'manifest.json',
      JSON.stringify(
        toJson({ DestinationBucket: target.Bucket, MapRunArn: mapRunArn, ResultFiles: files }),
      ),
    );
    return {
      MapRunArn: mapRunArn,
      ResultWriterDetails: { Bucket: target.Bucket, Key: manifest.Key },
    };
  }

  /** Removes the spool; call once, whatever happened. */
  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.folder, { recursive: true, force: true });
  }

  /** Splits one status's entries into files of at most maxFileBytes (one entry at least). */
  private fileRanges(code: number, maxFileBytes: number): FileRange[] {
    const ranges: FileRange[] = [];
    let from = -1;
    let bytes = 0;
    for (let index = 0; index < this.statuses.length; index += 1) {
      if (this.statuses[index] !== code) continue;
      const length = this.lengths[index]!;
      // '[' + ']' for a new file, ',' before each further entry.
      if (from >= 0 && bytes + 1 + length > maxFileBytes) {
        ranges.push({ from, to: index, bytes });
        from = -1;
      }
      if (from < 0) {
        from = index;
        bytes = 2 + length;
      } else bytes += 1 + length;
    }
    if (from >= 0) ranges.push({ from, to: this.statuses.length, bytes });
    return ranges;
  }

  /** The JSON array of a range's entries, read back from the spool one entry at a time. */
  private async *arrayChunks(code: number, range: FileRange): AsyncGenerator<Buffer> {
    yield Buffer.from('[');
    let first = true;
    for (let index = range.from; index < range.to; index += 1) {
      if (this.statuses[index] !== code) continue;
      const entry = Buffer.alloc(this.lengths[index]!);
      await this.handle.read(entry, 0, entry.length, this.offsets[index]!);
      yield first ? entry : Buffer.concat([Buffer.from(','), entry]);
      first = false;
    }
    yield Buffer.from(']');
  }
}
