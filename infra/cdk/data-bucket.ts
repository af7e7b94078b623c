/**
 * The bucket behind `${DataRoot}`: input shards (anywhere but `runs/`) and every run's
 * objects under `runs/<pipeline>/<runId>/`.
 *
 * Rejected samples (`runs/<p>/<run>/rejects/…`) are not expired by a lifecycle rule: S3
 * lifecycle filters match a literal key prefix or object tags, never a wildcard in the middle
 * of a key, and the run id sits before `rejects/`. Expiring them would need the writers to tag
 * those objects (a storage contract change), so rejects are kept like every other run output;
 * deleting a run folder removes them. What the bucket does expire is safe for any key:
 * incomplete multipart uploads (shards are written with multipart uploads; an interrupted
 * Lambda leaves parts that are billed but invisible). The same holds for `tmp/` (segment outputs
 * of multi-segment stages) and `manifests/`: both sit below the run id, so no prefix rule can
 * reach them; they are small next to the shards and go with their run folder.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface DataBucketProps {
  /**
   * What happens to the bucket when the stack is deleted. Objects are never auto-deleted:
   * with DESTROY, deletion fails while the bucket still holds data.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days after which parts of an unfinished multipart upload are removed.
   * @default Duration.days(7)
   */
  readonly abortIncompleteUploadsAfter?: Duration;
  /**
   * Encrypt with a customer-managed KMS key of the stack (rotated yearly; S3 Bucket Keys keep
   * KMS requests down) instead of S3-managed keys.
   * @default false
   */
  readonly kms?: boolean;
}

export class DataBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataBucketProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      ...(props.kms
        ? {
            encryption: s3.BucketEncryption.KMS,
            encryptionKey: new kms.Key(this, 'Key', {
              description: 'vlmflow data bucket',
              enableKeyRotation: true,
              removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
            }),
            bucketKeyEnabled: true,
          }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      versioned: false,
      autoDeleteObjects: false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter:
            props.abortIncompleteUploadsAfter ?? Duration.days(7),
        },
      ],
    });
  }

  /** `s3://<bucket>`: the data root the handlers resolve run folders and bare input keys under. */
  get dataRoot(): string {
    return `s3://${this.bucket.bucketName}`;
  }
}
