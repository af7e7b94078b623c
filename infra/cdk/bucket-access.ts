/**
 * S3 permissions on the data bucket, written out action by action. Hand-written instead of
 * `bucket.grantRead/grantWrite` because those add action groups (`s3:GetObject*`, `s3:List*`,
 * `s3:Abort*`, `s3:DeleteObject*` …) that grant more than the storage layer and the Distributed
 * Map use, and that cdk-nag rightly reports as wildcards.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** Runs are written only under this prefix; see core/layout.ts. */
export const RUNS_PREFIX = 'runs/';

/** Input shards given as bare keys live under this prefix by default (`inputs/<source>`). */
export const INPUTS_PREFIX = 'inputs';

/** Models the caption function may load from the data bucket (`s3://<bucket>/models/<name>/`). */
export const MODELS_PREFIX = 'models';

export interface RunAccessOptions {
  /**
   * Also read (list and get) objects under these key prefixes of the bucket (no trailing
   * slash, e.g. `inputs`): inputs given as bare keys live outside `runs/`.
   * @default - none
   */
  readonly inputPrefixes?: readonly string[];
  /** List under `runs/` (core/functions.ts `listsRuns`). @default true */
  readonly listRuns?: boolean;
}

/**
 * Read and write under `runs/`: list (stats, shards), get/head (manifests, done markers),
 * put and multipart upload (lib-storage, ResultWriter), tags on those uploads (the lifecycle
 * rules' `vlmflow:kind`: S3 checks s3:PutObjectTagging for a PutObject or
 * CreateMultipartUpload that carries tags), abort, delete (re-runs); read under the input
 * prefixes.
 */
export function grantRunAccess(
  grantee: iam.IGrantable,
  bucket: s3.IBucket,
  options: RunAccessOptions = {},
): void {
  const inputPrefixes = [...new Set(options.inputPrefixes ?? [])];
  const runObjects = bucket.arnForObjects(`${RUNS_PREFIX}*`);
  const listed = [
    ...(options.listRuns === false ? [] : [`${RUNS_PREFIX}*`]),
    ...inputPrefixes.flatMap((p) => [p, `${p}/*`]),
  ];
  if (listed.length > 0)
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': listed } },
    });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:GetObject'],
    resourceArns: [runObjects, ...inputPrefixes.map((p) => bucket.arnForObjects(`${p}/*`))],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: [
      's3:PutObject',
      's3:PutObjectTagging',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
      's3:DeleteObject',
    ],
    resourceArns: [runObjects],
  });
  grantKeyUse(grantee, bucket);
}

/**
 * What a Distributed Map needs and nothing more: ItemReader gets the manifest; ResultWriter
 * puts its result files (multipart for large ones) under the run folder.
 */
export function grantMapAccess(grantee: iam.IGrantable, bucket: s3.IBucket): void {
  const runObjects = bucket.arnForObjects(`${RUNS_PREFIX}*`);
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [runObjects] });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    resourceArns: [runObjects],
  });
  grantKeyUse(grantee, bucket);
}

/** With a KMS-encrypted bucket: decrypt what is read, make data keys for what is written. */
function grantKeyUse(grantee: iam.IGrantable, bucket: s3.IBucket): void {
  if (!bucket.encryptionKey) return;
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resourceArns: [bucket.encryptionKey.keyArn],
  });
}

/** `bucket/prefix` or `s3://bucket/prefix` → the bucket and the object key pattern under it. */
export function externalLocation(location: string): {
  readonly bucketName: string;
  readonly prefix: string;
  readonly objects: string;
} {
  const [bucketName = '', ...rest] = location.replace(/^s3:\/\//, '').split('/');
  const prefix = rest.filter((part) => part.length > 0).join('/');
  return { bucketName, prefix, objects: prefix ? `${prefix}/*` : '*' };
}

/**
 * A location (`bucket`, `bucket/prefix` or `s3://bucket/prefix`) as the `s3://` URI that
 * `VLMFLOW_ALLOWED_ROOTS` expects: a bare `bucket/prefix` there would read as a local path.
 */
export function s3RootOf(location: string): string {
  const { bucketName, prefix } = externalLocation(location);
  return `s3://${bucketName}/${prefix}`;
}

/**
 * Read access to a `bucket` or `bucket/prefix` location outside the stack (inputs in
 * another bucket; a run's input may point there).
 */
export function grantExternalRead(
  grantee: iam.IGrantable,
  partition: string,
  location: string,
): void {
  const { bucketName, prefix, objects } = externalLocation(location);
  const bucketArn = `arn:${partition}:s3:::${bucketName}`;
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:ListBucket'],
    resourceArns: [bucketArn],
    ...(prefix ? { conditions: { StringLike: { 's3:prefix': [prefix, `${prefix}/*`] } } } : {}),
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:GetObject'],
    resourceArns: [`${bucketArn}/${objects}`],
  });
}
