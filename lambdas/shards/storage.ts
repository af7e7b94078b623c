/**
 * Storage behind every URI the pipeline touches: `s3://bucket/key`, `file:///abs/path` or a
 * plain path. Streams in and out so that a shard is never held whole in memory.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  readonly uri: string;
  readonly size: number;
}

export interface WriteResult {
  readonly uri: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface Storage {
  /** Streams an object; rejects with a NotFound error (code 'ENOENT' / name 'NoSuchKey') if absent. */
  read(uri: string): Promise<Readable>;
  readBytes(uri: string): Promise<Buffer>;
  /** Writes atomically (temp file + rename; S3 multipart upload); returns size and sha256. */
  write(uri: string, body: Readable | Buffer | string): Promise<WriteResult>;
  exists(uri: string): Promise<boolean>;
  /** Objects under a prefix URI, sorted by key. */
  list(prefixUri: string): AsyncIterable<ObjectInfo>;
  delete(uri: string): Promise<void>;
}
