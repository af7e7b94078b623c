/** Deploys the pipeline's default model folders into the data bucket (see model-assets.ts). */
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { ModelAsset } from './model-assets';

export interface ModelDeploymentsProps {
  readonly bucket: s3.IBucket;
  readonly assets: readonly ModelAsset[];
}

export class ModelDeployments extends Construct {
  constructor(scope: Construct, id: string, props: ModelDeploymentsProps) {
    super(scope, id);
    for (const asset of props.assets) {
      new s3deploy.BucketDeployment(this, asset.key.replace(/[^A-Za-z0-9]/g, ''), {
        sources: [s3deploy.Source.asset(asset.folder)],
        destinationBucket: props.bucket,
        destinationKeyPrefix: `${asset.key}/`,
        // A user's files next to the model stay; the model's own files are replaced.
        prune: false,
        memoryLimit: 1024,
      });
    }
  }
}
