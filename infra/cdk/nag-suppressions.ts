/**
 * cdk-nag (AwsSolutions) findings this stack keeps on purpose, each acknowledged with its
 * reason on the construct that owns it. Wildcard findings are acknowledged one by one, with
 * the exact resource pattern as evidence, so a new wildcard still fails synth.
 */
import { Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { externalLocation, MODELS_PREFIX, RUNS_PREFIX } from './bucket-access';
import type { DataBucket } from './data-bucket';
import type { PipelineStateMachine } from './pipeline-state-machine';
import { MODEL_LOCATION_READERS, type StageFunctions } from './stage-functions';
import type { Training } from './training';
import type { ModelDeployments } from './model-deployments';

export interface NagSubjects {
  readonly data: DataBucket;
  readonly functions: StageFunctions;
  readonly workflow: PipelineStateMachine;
  readonly training?: Training;
  /** The default model folders' deployments (their handler is a stack-level singleton). */
  readonly models?: ModelDeployments;
  /** Prefixes of the data bucket the input-reading functions may read. */
  readonly inputPrefixes: readonly string[];
  /** Locations outside the stack the input-reading functions were granted. */
  readonly inputLocations: readonly string[];
  /** Locations outside the stack the model readers were granted (`vlmflow:modelLocations`). */
  readonly modelLocations: readonly string[];
}

const REASONS = {
  runObjects:
    'Run objects are created at run time under runs/<pipeline>/<runId>/; the key pattern is the narrowest static scope.',
  inputObjects:
    'Input shards are chosen per run (bare keys under this prefix of the data bucket); readers get objects under the prefix only.',
  externalInputs:
    'Read-only access to the input location the pipeline (or the deployment context) names.',
  modelObjects:
    'Model folders are chosen per run (a run parameter names the folder); the caption function reads objects under the models prefix or the model location the deployment context names, read-only.',
  xray: 'X-Ray PutTraceSegments/PutTelemetryRecords/GetSampling* support no resource-level permissions.',
  lambdaLogs:
    'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch Logs; an inline copy would say the same with more to maintain.',
} as const;

export function addNagSuppressions(subjects: NagSubjects): void {
  const { data, functions, workflow, training } = subjects;
  const bucketArn = arnRef(data.bucket.node.defaultChild as CfnResource);
  const runObjects = `Resource::${bucketArn}/${RUNS_PREFIX}*`;

  ack(
    data,
    'AwsSolutions-S1',
    "Only this stack's roles read or write the bucket; per-request access logs would need a second bucket per pipeline. Use CloudTrail S3 data events where an audit trail is required.",
  );

  ack(
    functions,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    REASONS.lambdaLogs,
  );
  ack(functions, 'AwsSolutions-IAM5[Resource::*]', REASONS.xray);
  ack(
    functions,
    'AwsSolutions-L1',
    "Node 24: the runtime vlmflow's handlers are tested on (its `node` package). A project that installs vlmflow may get an aws-cdk-lib that knows newer runtimes, which these handlers have not been tested on.",
  );
  ack(functions, `AwsSolutions-IAM5[${runObjects}]`, REASONS.runObjects);
  for (const prefix of subjects.inputPrefixes)
    ack(functions, `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}/*]`, REASONS.inputObjects);
  for (const location of subjects.inputLocations) {
    const { bucketName, objects } = externalLocation(location);
    ack(
      functions,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucketName}/${objects}]`,
      REASONS.externalInputs,
    );
  }
  if (MODEL_LOCATION_READERS.some((name) => functions.functions.has(name))) {
    ack(
      functions,
      `AwsSolutions-IAM5[Resource::${bucketArn}/${MODELS_PREFIX}/*]`,
      REASONS.modelObjects,
    );
    for (const location of subjects.modelLocations) {
      const { bucketName, objects } = externalLocation(location);
      ack(
        functions,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucketName}/${objects}]`,
        REASONS.modelObjects,
      );
    }
  }

  const name = workflow.stateMachineName;
  const states = 'arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>';
  ack(
    workflow,
    'AwsSolutions-SF1',
    'Logs ERROR events only: a Distributed Map over thousands of shards emits several events per shard, and a Standard workflow keeps its full execution history in the console for 90 days anyway.',
  );
  ack(
    workflow,
    'AwsSolutions-IAM5[Resource::*]',
    `${REASONS.xray} The CloudWatch Logs delivery actions Step Functions needs for logging (logs:CreateLogDelivery …) are not resource-scoped either.`,
  );
  ack(
    workflow,
    `AwsSolutions-IAM5[${runObjects}]`,
    'Distributed Map ItemReader reads manifests and ResultWriter writes results under runs/<pipeline>/<runId>/.',
  );
  for (const pattern of [`${name}:*`, `${name}/*`]) {
    ack(
      workflow,
      `AwsSolutions-IAM5[Resource::${states}:execution:${pattern}]`,
      'Distributed Map child executions of this state machine only; their ids are generated at run time.',
    );
  }

  if (training) {
    ack(
      workflow,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*]',
      'batch:TerminateJob on the jobs this workflow submits (cancelling a run stops its training job); job ids are generated at run time.',
    );
    ack(
      training,
      `AwsSolutions-IAM5[${runObjects}]`,
      `${REASONS.runObjects} The training job reads its dataset and writes models there.`,
    );
    ack(
      training,
      'AwsSolutions-IAM5[Resource::*]',
      'The job execution role needs ecr:GetAuthorizationToken, which has no resource-level permissions.',
    );
    ack(
      training,
      `AwsSolutions-IAM5[Resource::${bucketArn}/${MODELS_PREFIX}/*]`,
      'The frozen vision and language models are run parameters (folders under models/, where the stack deploys the defaults); read-only.',
    );
    ack(
      training,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
      'The AWS-maintained policy AWS Batch documents for ECS container instances; it tracks ECS agent changes.',
    );
  }

  if (subjects.models) {
    // CDK's BucketDeployment handler: one per stack, created by CDK beside the deployments.
    const handlers = Stack.of(subjects.models).node.children.filter((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    const deployment =
      "CDK's BucketDeployment handler, which copies the default model folders from CDK's asset bucket into the data bucket at deploy time only";
    for (const handler of handlers) {
      ack(handler, 'AwsSolutions-L1', `${deployment}; its runtime is chosen by aws-cdk-lib.`);
      ack(
        handler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        `${deployment}: ${REASONS.lambdaLogs}`,
      );
      for (const wildcard of [
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        `Resource::${bucketArn}/*`,
      ])
        ack(
          handler,
          `AwsSolutions-IAM5[${wildcard}]`,
          `${deployment}: the grants aws-cdk-lib gives it (read the asset, write and prune under the destination prefix); prune is off.`,
        );
    }
  }
}

function ack(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** How cdk-nag renders `Fn::GetAtt [<logical id>, Arn]` in a finding. */
function arnRef(resource: CfnResource): string {
  return `<${Stack.of(resource).getLogicalId(resource)}.Arn>`;
}
