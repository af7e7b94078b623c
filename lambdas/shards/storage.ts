/**
 * Storage behind every URI the pipeline touches: `s3://bucket/key`, `file:///abs/path` or a
 * plain path. Streams in and out so that a shard is never held whole in memory.
 */
import type { Readable } from 'node:stream';
import { FileStorage } from './file-storage';
import { S3Storage } from './s3-storage';
import { parseUri } from '../../core/uri';

export interface ObjectInfo {
  readonly uri: string;
  readonly size: number;
}

export interface WriteResult {
  readonly uri: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface WriteOptions {
  /**
   * Object tags, e.g. `{ 'vlmflow:kind': 'rejects' }`: S3 stores them with the object (and the
   * bucket's lifecycle rules match them); storage without tags (a local folder) ignores them.
   */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface Storage {
  /** Streams an object; rejects with a NotFound error (code 'ENOENT' / name 'NoSuchKey') if absent. */
  read(uri: string): Promise<Readable>;
  readBytes(uri: string): Promise<Buffer>;
  /** Bytes `start` (inclusive) to `end` (exclusive): random access for formats that need it (parquet). */
  readRange(uri: string, start: number, end: number): Promise<Buffer>;
  /** The object's size in bytes; NotFound if absent. */
  size(uri: string): Promise<number>;
  /** Writes atomically (temp file + rename; S3 multipart upload); returns size and sha256. */
  write(
    uri: string,
    body: Readable | Buffer | string,
    options?: WriteOptions,
  ): Promise<WriteResult>;
  exists(uri: string): Promise<boolean>;
  /** Objects under a prefix URI, sorted by key. */
  list(prefixUri: string): AsyncIterable<ObjectInfo>;
  delete(uri: string): Promise<void>;
}

// ---- Implementations, chosen by URI scheme (added with file-storage.ts / s3-storage.ts) ----

export { isNotFound, NotFoundError } from './not-found';

export type StorageScheme = 's3' | 'file';

const storageByScheme = new Map<StorageScheme, Storage>();

/** The storage for a URI (or plain path); one instance per scheme, created on first use. */
export function storageFor(uri: string): Storage {
  const { scheme } = parseUri(uri);
  let storage = storageByScheme.get(scheme);
  if (!storage) {
    storage = scheme === 's3' ? new S3Storage() : new FileStorage();
    storageByScheme.set(scheme, storage);
  }
  return storage;
}

/** Replaces the storage used for a scheme (e.g. an S3Storage with a custom client); undefined resets it. */
export function setStorageForScheme(scheme: StorageScheme, storage: Storage | undefined): void {
  if (storage) storageByScheme.set(scheme, storage);
  else storageByScheme.delete(scheme);
}
