/**
 * The storage layer as the deployed stack's principals see it: every read, write, list and
 * delete a handler (or the state machine's ItemReader/ResultWriter) makes is authorized first
 * as the S3 request it is on AWS, with the principal of the code making it (carried through
 * async calls by AsyncLocalStorage), and a missing key is answered as S3 answers it: 404 only
 * to a caller that may list it, else 403. The local folder standing in for the bucket maps to
 * the bucket's ARN; a path anywhere else on this machine does not exist on AWS and is refused.
 * Handlers are untouched: this replaces the storage for each scheme (storage.ts) underneath.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import { NotFoundError, isNotFound, notFoundIfUnlisted } from '../../../lambdas/shards/not-found';
import {
  setStorageForScheme,
  storageFor,
  type ObjectInfo,
  type Storage,
  type WriteOptions,
  type WriteResult,
} from '../../../lambdas/shards/storage';
import { parseUri } from '../../../core/uri';
import type { DeployedAccess, PrincipalName } from './access';
import { accessDenied, authorize, isAllowed } from './authorizer';

export interface Caller {
  readonly access: DeployedAccess;
  readonly principal: PrincipalName;
}

const callers = new AsyncLocalStorage<Caller>();

/** A path on this machine that a deployed function or job cannot see. */
export class NotOnAwsError extends Error {
  override readonly name = 'NotOnAwsError';
}

/** Runs `work` as the principal: its storage calls are authorized as that role's. */
export function runAs<T>(access: DeployedAccess, principal: PrincipalName, work: () => T): T {
  installAuthorizingStorage();
  return callers.run({ access, principal }, work);
}

let installed = false;

/** Wraps this process's storage for every scheme, once; calls outside runAs pass through. */
export function installAuthorizingStorage(): void {
  if (installed) return;
  installed = true;
  for (const [scheme, probe] of [
    ['file', 'file:///'],
    ['s3', 's3://bucket/'],
  ] as const) {
    setStorageForScheme(scheme, new AuthorizingStorage(storageFor(probe)));
  }
}

interface Location {
  readonly bucket: string;
  readonly key: string;
  readonly bucketArn: string;
  readonly objectArn: string;
}

export function locate(caller: Caller, uri: string): Location {
  const { access } = caller;
  const parsed = parseUri(uri);
  const partition = access.deployment.partition;
  let bucket: string;
  let key: string;
  if (parsed.scheme === 's3') {
    ({ bucket, key } = parsed);
  } else {
    const folder = parseUri(access.bucketFolder);
    const root = folder.scheme === 'file' ? folder.path : '';
    if (!parsed.path.startsWith(root) && `${parsed.path}/` !== root)
      throw new NotOnAwsError(
        `${parsed.path} is a path on this machine, which ${caller.principal} does not have on AWS ` +
          `(a Lambda function sees its bundle and /tmp, the training job its image): ` +
          `put it in the bucket (s3://${access.bucketName}/…) and give that location`,
      );
    bucket = access.bucketName;
    key = parsed.path.slice(root.length);
  }
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  return { bucket, key, bucketArn, objectArn: `${bucketArn}/${key}` };
}

export class AuthorizingStorage implements Storage {
  constructor(private readonly inner: Storage) {}

  async read(uri: string): Promise<Readable> {
    const caller = callers.getStore();
    if (caller) await this.authorizeGet(caller, uri);
    return this.inner.read(uri).catch((err: unknown) => this.missing(caller, uri, err));
  }

  async readBytes(uri: string): Promise<Buffer> {
    const caller = callers.getStore();
    if (caller) await this.authorizeGet(caller, uri);
    return this.inner.readBytes(uri).catch((err: unknown) => this.missing(caller, uri, err));
  }

  async readRange(uri: string, start: number, end: number): Promise<Buffer> {
    const caller = callers.getStore();
    if (caller) await this.authorizeGet(caller, uri);
    return this.inner
      .readRange(uri, start, end)
      .catch((err: unknown) => this.missing(caller, uri, err));
  }

  /** A HEAD request: allowed by s3:GetObject, as on S3. */
  async size(uri: string): Promise<number> {
    const caller = callers.getStore();
    if (caller) await this.authorizeGet(caller, uri);
    return this.inner.size(uri).catch((err: unknown) => this.missing(caller, uri, err));
  }

  async write(
    uri: string,
    body: Readable | Buffer | string,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    const caller = callers.getStore();
    if (caller) {
      const { objectArn } = locate(caller, uri);
      const tagKeys = Object.keys(options.tags ?? {});
      const context: Record<string, string[]> =
        tagKeys.length > 0 ? { 's3:RequestObjectTagKeys': tagKeys } : {};
      await authorize(caller.access, {
        principal: caller.principal,
        action: 's3:PutObject',
        resource: objectArn,
        context,
      });
      // A PutObject that carries tags is also checked for s3:PutObjectTagging.
      if (tagKeys.length > 0)
        await authorize(caller.access, {
          principal: caller.principal,
          action: 's3:PutObjectTagging',
          resource: objectArn,
          context,
        });
    }
    return this.inner.write(uri, body, options);
  }

  /** HeadObject: needs s3:GetObject; a missing key answers as read does. */
  async exists(uri: string): Promise<boolean> {
    const caller = callers.getStore();
    if (!caller) return this.inner.exists(uri);
    await this.authorizeGet(caller, uri);
    if (await this.inner.exists(uri)) return true;
    try {
      await this.missing(caller, uri, new NotFoundError(uri));
    } catch (answer) {
      if (isNotFound(answer)) return false;
      throw answer;
    }
    return false;
  }

  async *list(prefixUri: string): AsyncIterable<ObjectInfo> {
    const caller = callers.getStore();
    if (caller) {
      const { bucketArn, key } = locate(caller, prefixUri);
      await authorize(caller.access, {
        principal: caller.principal,
        action: 's3:ListBucket',
        resource: bucketArn,
        context: { 's3:prefix': key },
      });
    }
    yield* this.inner.list(prefixUri);
  }

  async delete(uri: string): Promise<void> {
    const caller = callers.getStore();
    if (caller)
      await authorize(caller.access, {
        principal: caller.principal,
        action: 's3:DeleteObject',
        resource: locate(caller, uri).objectArn,
      });
    return this.inner.delete(uri);
  }

  private async authorizeGet(caller: Caller, uri: string): Promise<void> {
    await authorize(caller.access, {
      principal: caller.principal,
      action: 's3:GetObject',
      resource: locate(caller, uri).objectArn,
    });
  }

  /**
   * S3's answer for a missing key: 404 to a caller that may ListBucket it, else 403 (the rule
   * for an `s3:prefix`-conditioned grant is DeployedAccess.missingKeys). The 403 then goes
   * through the same listing probe S3Storage makes, so handlers see what they see on AWS.
   */
  private async missing(caller: Caller | undefined, uri: string, err: unknown): Promise<never> {
    if (!caller || !isNotFound(err)) throw err;
    if (await missingKeyIsListable(caller, uri)) throw err;
    const denied = accessDenied(caller.access, {
      principal: caller.principal,
      action: 's3:GetObject',
      resource: locate(caller, uri).objectArn,
    });
    return notFoundIfUnlisted(denied, uri, (prefix) => this.list(prefix));
  }
}

/**
 * Whether S3 answers a GetObject/HeadObject on this missing key with 404 (the caller may
 * ListBucket it) rather than 403; for an `s3:prefix`-conditioned grant the rule is
 * DeployedAccess.missingKeys.
 */
export function missingKeyIsListable(caller: Caller, uri: string): Promise<boolean> {
  const { bucketArn, key } = locate(caller, uri);
  return isAllowed(caller.access, {
    principal: caller.principal,
    action: 's3:ListBucket',
    resource: bucketArn,
    context: caller.access.missingKeys === 'prefix-is-key' ? { 's3:prefix': key } : {},
  });
}
