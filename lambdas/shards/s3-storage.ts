/**
 * Storage on S3 (or any S3-compatible endpoint) for `s3://` URIs. Writes stream through a
 * multipart upload (lib-storage `Upload`), so at most queueSize × partSize bytes are held; the
 * byte count and sha256 are computed on the way.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertAllowedUri } from './allowed-roots';
import { HashingStream, toReadable } from './hashing';
import { NotFoundError, isAccessDenied, isNotFound, notFoundIfUnlisted } from './not-found';
import type { ObjectInfo, Storage, WriteOptions, WriteResult } from './storage';
import { nameProblem } from '../../core/aws-names';
import { formatUri, parseUri } from '../../core/uri';

export interface S3StorageOptions {
  /** @default a client configured from the environment, see s3ClientConfig */
  readonly client?: S3Client;
  /** Multipart part size in bytes (S3's minimum is 5 MiB). @default 8 MiB */
  readonly partSize?: number;
  /** Parts uploaded concurrently. @default 4 */
  readonly queueSize?: number;
  /** MaxKeys per ListObjectsV2 page. @default 1000 */
  readonly listPageSize?: number;
}

/**
 * Client settings from the environment. The SDK itself reads `AWS_ENDPOINT_URL_S3` /
 * `AWS_ENDPOINT_URL` (test/shards/s3-storage.test.ts checks it); a custom endpoint (LocalStack,
 * fauxqs, MinIO) additionally needs path-style addressing, a default region, and checksums only
 * where the API requires them, since not every emulator speaks the newer trailing checksums.
 */
export function s3ClientConfig(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (!endpoint) return {};
  return {
    forcePathStyle: true,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

export class S3Storage implements Storage {
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly listPageSize: number;

  constructor(options: S3StorageOptions = {}) {
    this.client = options.client ?? new S3Client(s3ClientConfig());
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 4;
    this.listPageSize = options.listPageSize ?? 1000;
  }

  async read(uri: string): Promise<Readable> {
    const { Bucket, Key } = objectLocation(uri);
    const response = await this.client
      .send(new GetObjectCommand({ Bucket, Key }))
      .catch((err: unknown) => this.rethrow(err, uri));
    if (!(response.Body instanceof Readable)) throw new Error(`S3 returned no stream for ${uri}`);
    return response.Body;
  }

  async readBytes(uri: string): Promise<Buffer> {
    const { Bucket, Key } = objectLocation(uri);
    const response = await this.client
      .send(new GetObjectCommand({ Bucket, Key }))
      .catch((err: unknown) => this.rethrow(err, uri));
    if (!response.Body) throw new Error(`S3 returned no body for ${uri}`);
    return Buffer.from(await response.Body.transformToByteArray());
  }

  /**
   * Tags go with the upload itself (`Tagging` on PutObject / CreateMultipartUpload), so the
   * object never exists untagged; this needs `s3:PutObjectTagging` besides `s3:PutObject`.
   */
  async write(
    uri: string,
    body: Readable | Buffer | string,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    const { Bucket, Key } = objectLocation(uri);
    const Tagging = options.tags ? encodeTagging(options.tags) : undefined;
    const source = toReadable(body);
    const hashing = new HashingStream();
    const piping = pipeline(source, hashing);
    const upload = new Upload({
      client: this.client,
      params: { Bucket, Key, Body: hashing, ...(Tagging && { Tagging }) },
      partSize: this.partSize,
      queueSize: this.queueSize,
    });
    try {
      // A failing source fails the pipeline, which destroys `hashing` and so fails the upload
      // (lib-storage then aborts the multipart upload: no partial object appears).
      await Promise.all([upload.done(), piping]);
    } catch (err) {
      source.destroy();
      hashing.destroy();
      await upload.abort().catch(() => undefined);
      throw err;
    }
    return {
      uri: formatUri({ scheme: 's3', bucket: Bucket, key: Key }),
      bytes: hashing.bytes,
      sha256: hashing.sha256(),
    };
  }

  async readRange(uri: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    const { Bucket, Key } = objectLocation(uri);
    const response = await this.client
      .send(new GetObjectCommand({ Bucket, Key, Range: `bytes=${start}-${end - 1}` }))
      .catch((err: unknown) => this.rethrow(err, uri));
    if (!response.Body) throw new Error(`S3 returned no body for ${uri}`);
    return Buffer.from(await response.Body.transformToByteArray());
  }

  async size(uri: string): Promise<number> {
    const { Bucket, Key } = objectLocation(uri);
    const response = await this.client
      .send(new HeadObjectCommand({ Bucket, Key }))
      .catch((err: unknown) => this.rethrow(err, uri));
    return response.ContentLength ?? 0;
  }

  async exists(uri: string): Promise<boolean> {
    const { Bucket, Key } = objectLocation(uri);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket, Key }));
      return true;
    } catch (err) {
      const answer = await this.rethrow(err, uri).catch((thrown: unknown) => thrown);
      if (isNotFound(answer)) return false;
      throw answer;
    }
  }

  async *list(prefixUri: string): AsyncIterable<ObjectInfo> {
    assertAllowedUri(prefixUri);
    const parsed = parseUri(prefixUri);
    if (parsed.scheme !== 's3') throw new Error(`not an s3:// URI: ${prefixUri}`);
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.listPageSize },
      { Bucket: parsed.bucket, Prefix: parsed.key },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          uri: formatUri({ scheme: 's3', bucket: parsed.bucket, key: object.Key }),
          size: object.Size ?? 0,
        };
      }
    }
  }

  async delete(uri: string): Promise<void> {
    const { Bucket, Key } = objectLocation(uri);
    await this.client.send(new DeleteObjectCommand({ Bucket, Key }));
  }

  /** NotFoundError for a missing key, whether S3 answered 404 or (without ListBucket) 403. */
  private async rethrow(err: unknown, uri: string): Promise<never> {
    if (isNotFound(err)) throw new NotFoundError(uri, { cause: err });
    if (isAccessDenied(err)) return notFoundIfUnlisted(err, uri, (prefix) => this.list(prefix));
    throw err;
  }
}

function objectLocation(uri: string): { Bucket: string; Key: string } {
  const parsed = parseUri(uri);
  if (parsed.scheme !== 's3') throw new Error(`not an s3:// URI: ${uri}`);
  if (parsed.key === '' || parsed.key.endsWith('/')) throw new Error(`not an object URI: ${uri}`);
  assertAllowedUri(uri);
  return { Bucket: parsed.bucket, Key: parsed.key };
}

/** S3 allows at most 10 tags on an object. */
export const MAX_OBJECT_TAGS = 10;

/**
 * `k1=v1&k2=v2`, each part percent-encoded, the form S3's `x-amz-tagging` header takes.
 * Hand-written because URLSearchParams encodes a space as `+`, which is not what S3 decodes.
 * Undefined for no tags.
 */
export function encodeTagging(tags: Readonly<Record<string, string>>): string | undefined {
  const entries = Object.entries(tags);
  if (entries.length > MAX_OBJECT_TAGS)
    throw new Error(`an S3 object takes at most ${MAX_OBJECT_TAGS} tags, got ${entries.length}`);
  if (entries.length === 0) return undefined;
  for (const [key, value] of entries) {
    const problem =
      nameProblem('tagKey', key, 'tag key') ?? nameProblem('tagValue', value, `tag ${key}'s value`);
    if (problem) throw new Error(problem);
  }
  return entries
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
}
