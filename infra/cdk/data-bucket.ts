/**
 * The bucket behind `${DataRoot}`: input shards (anywhere but `runs/`) and every run's
 * objects under `runs/<pipeline>/<runId>/`.
 *
 * Lifecycle. S3 lifecycle filters match a literal key prefix or object tags, never a wildcard
 * in the middle of a key, and the run id sits before `rejects/`, `tmp/` and `manifests/`. So
 * the handlers tag what may expire (`vlmflow:kind`, core/object-tags.ts) and the
 * rules here match that tag under `runs/`: rejected samples, run intermediates (segment outputs,
 * dedup records and markers) and Distributed Map manifests each expire after their own number
 * of days. Everything untagged (kept shards, stats markers, dataset manifests, summaries) stays
 * until its run folder is deleted. Incomplete multipart uploads are aborted for any key (an
 * interrupted Lambda leaves parts that are billed but invisible). docs/deploy.md "Lifecycle".
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { OBJECT_KIND_TAG, type ObjectKind } from '../../core/object-tags';
import { RUNS_PREFIX } from './bucket-access';
import { objectExpiryFromContext, type ObjectExpirySettings } from './context';

/** Days until each tagged kind expires when neither props nor context say; 0 = never. */
export const DEFAULT_OBJECT_EXPIRY: Required<ObjectExpirySettings> = {
  rejectsExpireDays: 90,
  tmpExpireDays: 7,
  // The ItemReader needs a manifest only while its map runs; a month leaves room for a resume.
  manifestsExpireDays: 30,
};

const KIND_OF_SETTING: Record<keyof ObjectExpirySettings, ObjectKind> = {
  rejectsExpireDays: 'rejects',
  tmpExpireDays: 'tmp',
  manifestsExpireDays: 'manifest',
};

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
  /**
   * Days until tagged run objects expire, per kind; 0 keeps them.
   * @default - the `vlmflow:*ExpireDays` context values, else DEFAULT_OBJECT_EXPIRY
   */
  readonly objectExpiry?: ObjectExpirySettings;
}

export class DataBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataBucketProps = {}) {
    super(scope, id);
    const expiry = {
      ...DEFAULT_OBJECT_EXPIRY,
      ...objectExpiryFromContext(this.node),
      ...definedOnly(props.objectExpiry ?? {}),
    };
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
        ...expiryRules(expiry),
      ],
    });
  }

  /** `s3://<bucket>`: the data root the handlers resolve run folders and bare input keys under. */
  get dataRoot(): string {
    return `s3://${this.bucket.bucketName}`;
  }
}

/** One rule per kind that expires: objects under `runs/` with `vlmflow:kind=<kind>`. */
function expiryRules(expiry: Required<ObjectExpirySettings>): s3.LifecycleRule[] {
  return (Object.keys(KIND_OF_SETTING) as (keyof ObjectExpirySettings)[])
    .filter((setting) => expiry[setting] > 0)
    .map((setting) => {
      const kind = KIND_OF_SETTING[setting];
      return {
        id: `expire-${kind}`,
        prefix: RUNS_PREFIX,
        tagFilters: { [OBJECT_KIND_TAG]: kind },
        expiration: Duration.days(expiry[setting]),
      };
    });
}

function definedOnly(settings: ObjectExpirySettings): ObjectExpirySettings {
  return Object.fromEntries(Object.entries(settings).filter(([, days]) => days !== undefined));
}
