/**
 * S3 permissions on the data bucket, written out action by action. Hand-written instead of
 * `bucket.grantRead/grantWrite` because those add action groups (`s3:GetObject*`, `s3:List*`,
 * `s3:Abort*`, `s3:DeleteObject*` …) that grant more than the storage layer and the Distributed
 * Map use, and that cdk-nag rightly reports as wildcards.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** Runs are written only under this prefix; see lambdas/handlers/layout.ts. */
export const RUNS_PREFIX = 'runs/';

export interface RunAccessOptions {
  /**
   * Also read (list and get) objects anywhere in the bucket: inputs given as bare keys such
   * as `inputs/pairs` live outside `runs/`.
   * @default false
   */
  readonly readInputs?: boolean;
}

/**
 * Read and write under `runs/`: list (stats, shards), get/head (manifests, done markers),
 * put and multipart upload (lib-storage, ResultWriter), abort, delete (re-runs).
 */
export function grantRunAccess(
  grantee: iam.IGrantable,
  bucket: s3.IBucket,
  options: RunAccessOptions = {},
): void {
  const readInputs = options.readInputs ?? false;
  const runObjects = bucket.arnForObjects(`${RUNS_PREFIX}*`);
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:ListBucket'],
    resourceArns: [bucket.bucketArn],
    ...(readInputs ? {} : { conditions: { StringLike: { 's3:prefix': [`${RUNS_PREFIX}*`] } } }),
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:GetObject'],
    resourceArns: [readInputs ? bucket.arnForObjects('*') : runObjects],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: [
      's3:PutObject',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
      's3:DeleteObject',
    ],
    resourceArns: [runObjects],
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
