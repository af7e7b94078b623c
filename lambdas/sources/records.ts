/**
 * What segment 0 of a stage reads, chosen by the source's format (docs/sources.md): a WebDataset
 * tar shard, a PDF file (one sample per page), a JSON-lines file (one sample per line), rows of
 * a URL list (downloaded), rows of a parquet file with embedded images, or images of a folder.
 * Readers never throw on bad content: they yield an invalid record with a reason, which the
 * shard loop counts as `<op>:<reason>` so that `in = kept + Σ rejected` holds.
 */
import type { Readable } from 'node:stream';
import { keyStem, readAll, type InvalidSourceRecord, type SourceRecord } from './source-record';
import { readShard, UngroupedShardError } from '../shards/tar-reader';
import { defaultRegroupBytes } from '../shards/tar-regroup';
import {
  DEFAULT_SOURCE_FORMAT,
  formatOptionsOf,
  resolveFormatOptions,
  type FormatOptions,
  type SourceFormat,
} from '../../core/formats';
import type { ShardTask } from '../../core/contracts';
import { downloadRecords } from '../download/download-records';
import { readUrlRows } from '../download/url-list';
import { storageFor } from '../shards/storage';
import { readFolderImages } from './folder';
import { readParquetImages } from './parquet-images';
import { readJsonlFile } from './jsonl';
import { readPdfFile } from './pdf';

export type { InvalidSourceRecord, SourceRecord };
export { keyStem, readAll };

export interface RecordSource extends FormatOptions {
  readonly format?: SourceFormat;
  /** Names the document (PDF) or file (JSONL): the shard key. */
  readonly key: string;
  /** Split formats (urls, parquet, folder): the item's rows (images). */
  readonly rows?: { readonly start: number; readonly end: number };
  /** Tar shards: read members not grouped by key, holding at most this many bytes. */
  readonly regroupMaxBytes?: number;
}

const ALL_ROWS = { start: 0, end: Infinity };

/** How a task reads its input: the source's format at segment 0, tar shards after. */
export function recordSourceOf(task: ShardTask, segment: number): RecordSource {
  const { item } = task;
  if (segment !== 0) return { key: item.key };
  return {
    ...(task.format ? { format: task.format } : {}),
    ...formatOptionsOf(task),
    key: item.key,
    ...(item.rows ? { rows: item.rows } : {}),
  };
}

/** The records of the item at `uri`, read as its format says. */
export function readRecords(uri: string, source: RecordSource): AsyncIterable<SourceRecord> {
  const format = source.format ?? DEFAULT_SOURCE_FORMAT;
  const rows = source.rows ?? ALL_ROWS;
  switch (format) {
    case 'webdataset':
      return streamed(uri, (input) =>
        readShard(
          input,
          source.regroupMaxBytes === undefined ? {} : { regroupMaxBytes: source.regroupMaxBytes },
        ),
      );
    case 'pdf':
      return streamed(uri, (input) => readPdfFile(input, source.key, source.pdf));
    case 'jsonl':
      return streamed(uri, (input) => readJsonlFile(input, source.key));
    case 'urls': {
      const options = resolveFormatOptions('urls', source.urls);
      return downloadRecords(readUrlRows(uri, options, rows), keyStem(fileKeyOf(source)), options);
    }
    case 'parquet':
      return readParquetImages(uri, keyStem(fileKeyOf(source)), source.parquet, rows);
    case 'folder':
      return readFolderImages(uri, rows);
  }
}

/**
 * The file's key behind an item Plan split off (`part-0-00003` → `part-0`, rows present): sample
 * keys carry row numbers instead, so they do not depend on the item size.
 */
function fileKeyOf(source: RecordSource): string {
  return source.rows ? source.key.replace(/-\d{5}$/, '') : source.key;
}

/** A reader over the object's byte stream, opened when reading starts and closed after. */
async function* streamed(
  uri: string,
  read: (input: Readable) => AsyncIterable<SourceRecord>,
): AsyncGenerator<SourceRecord> {
  let input: Readable;
  try {
    input = await storageFor(uri).read(uri);
  } catch (error) {
    throw new Error(`cannot read ${uri}: ${(error as Error).message}`, { cause: error });
  }
  try {
    yield* read(input);
  } finally {
    input.destroy();
  }
}

/**
 * Runs `attempt` streaming; when the tar turns out not to be grouped by key, runs it once more
 * reading the shard regrouped. Grouped shards, the usual case, thus stream with one sample in
 * memory and pay nothing. `attempt` must start afresh (new writers, new operator instances) and
 * let UngroupedShardError through unwrapped.
 */
export async function regroupingIfNeeded<T>(
  attempt: (regroupMaxBytes: number | undefined) => Promise<T>,
): Promise<T> {
  try {
    return await attempt(undefined);
  } catch (error) {
    if (!(error instanceof UngroupedShardError)) throw error;
    return attempt(defaultRegroupBytes());
  }
}

/** A WebDataset-safe key stem from a shard key: no dots (they separate key and extension). */
