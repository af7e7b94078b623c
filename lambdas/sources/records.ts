/**
 * What segment 0 of a stage reads, chosen by the source's format (docs/sources.md): a WebDataset
 * tar shard, a PDF file (one sample per page) or a JSON-lines file (one sample per line).
 * Readers never throw on bad content: they yield an invalid record with a reason, which the
 * shard loop counts as `<op>:<reason>` so that `in = kept + Σ rejected` holds.
 */
import type { Readable } from 'node:stream';
import type { ShardRecord } from '../shards/sample-assembler';
import { readShard, UngroupedShardError } from '../shards/tar-reader';
import { defaultRegroupBytes } from '../shards/tar-regroup';
import {
  DEFAULT_SOURCE_FORMAT,
  type PdfSourceOptions,
  type SourceFormat,
} from '../../core/formats';
import { readJsonlFile } from './jsonl';
import { readPdfFile } from './pdf';

/** An invalid record found by a non-tar reader; `op` is the reader (`pdf`, `jsonl`). */
export interface InvalidSourceRecord {
  readonly kind: 'invalid';
  readonly op: 'pdf' | 'jsonl' | 'download';
  readonly key: string;
  readonly rawKey?: string;
  readonly reason: string;
  readonly detail: string;
  readonly parts: Record<string, Buffer>;
}

export type SourceRecord = ShardRecord | InvalidSourceRecord;

export interface RecordSource {
  readonly format?: SourceFormat;
  readonly pdf?: PdfSourceOptions;
  /** Names the document (PDF) or file (JSONL): the shard key. */
  readonly key: string;
  /** Tar shards: read members not grouped by key, holding at most this many bytes. */
  readonly regroupMaxBytes?: number;
}

export function readRecords(input: Readable, source: RecordSource): AsyncIterable<SourceRecord> {
  const format = source.format ?? DEFAULT_SOURCE_FORMAT;
  switch (format) {
    case 'webdataset':
      return readShard(
        input,
        source.regroupMaxBytes === undefined ? {} : { regroupMaxBytes: source.regroupMaxBytes },
      );
    case 'pdf':
      return readPdfFile(input, source.key, source.pdf);
    case 'jsonl':
      return readJsonlFile(input, source.key);
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
export function keyStem(shardKey: string): string {
  return shardKey.replace(/\./g, '_');
}

export async function readAll(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
