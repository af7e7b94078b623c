import { Match } from 'aws-cdk-lib/assertions';
import { buildStack, logicalIdOf } from './helpers';

describe('PipelineStack: sources in two buckets, a caption operator, a mixture and a train stage', () => {
  const built = buildStack('mix-train');
  const { stack, template } = built;

  test('creates the caption and mix functions the definition calls', () => {
    template.resourceCountIs('AWS::Lambda::Function', 6);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'vlmflow cdk-train: caption',
      MemorySize: 10240,
      EphemeralStorage: { Size: 10240 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'vlmflow cdk-train: mix',
    });
  });

  test('maps the Batch placeholders to the queue and the job definition', () => {
    const training = stack.training;
    if (!training) throw new Error('no training construct');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: Match.objectLike({
        TrainJobQueueArn: { 'Fn::GetAtt': [logicalIdOf(stack, training.jobQueue), 'JobQueueArn'] },
        TrainJobDefinitionArn: { Ref: logicalIdOf(stack, training.jobDefinition) },
        MixFunctionArn: Match.anyValue(),
        CaptionFunctionArn: Match.anyValue(),
      }),
    });
  });

  test('one GPU job definition sized by the train stage, retried only on Spot reclaims', () => {
    template.resourceCountIs('AWS::Batch::JobQueue', 1);
    template.resourceCountIs('AWS::Batch::JobDefinition', 1);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'container',
      Timeout: { AttemptDurationSeconds: 86400 },
      RetryStrategy: {
        Attempts: 3,
        EvaluateOnExit: [
          { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
          { Action: 'EXIT', OnReason: '*' },
        ],
      },
      ContainerProperties: Match.objectLike({ JobRoleArn: Match.anyValue() }),
    });
    const [definition] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    const requirements = definition?.Properties.ContainerProperties.ResourceRequirements as {
      Type: string;
      Value: string;
    }[];
    expect([...requirements].sort((a, b) => a.Type.localeCompare(b.Type))).toEqual([
      { Type: 'GPU', Value: '2' },
      { Type: 'MEMORY', Value: '120000' },
      { Type: 'VCPU', Value: '16' },
    ]);
  });

  test('a managed on-demand compute environment of g5 instances that scales to zero', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      Type: 'managed',
      ComputeResources: Match.objectLike({
        Type: 'EC2',
        InstanceTypes: ['g5'],
        MinvCpus: 0,
        MaxvCpus: 64,
        AllocationStrategy: 'BEST_FIT_PROGRESSIVE',
        Ec2Configuration: [{ ImageType: 'ECS_AL2023_NVIDIA' }],
      }),
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  test('the state machine role may submit, watch and stop Batch jobs', () => {
    const training = stack.training;
    if (!training) throw new Error('no training construct');
    const role = logicalIdOf(stack, stack.stateMachine.stateMachine.role);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'batch:SubmitJob',
            Effect: 'Allow',
            Resource: [
              { 'Fn::GetAtt': [logicalIdOf(stack, training.jobQueue), 'JobQueueArn'] },
              { Ref: logicalIdOf(stack, training.jobDefinition) },
            ],
          },
          { Action: 'batch:DescribeJobs', Effect: 'Allow', Resource: '*' },
          Match.objectLike({ Action: 'batch:TerminateJob' }),
          {
            Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':events:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':rule/StepFunctionsGetEventsForBatchJobsRule',
                ],
              ],
            },
          },
        ]),
      },
    });
  });

  test('input readers may read the source in the other bucket, and only under its prefix', () => {
    const plan = stack.stageFunctions.get('plan');
    if (!plan.role) throw new Error('no role');
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(stack, plan.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:ListBucket',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shared-corpus']],
            },
            Condition: { StringLike: { 's3:prefix': ['web/shards', 'web/shards/*'] } },
          },
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shared-corpus/web/shards/*'],
              ],
            },
          },
        ]),
      },
    });
    const mix = stack.stageFunctions.get('mix');
    if (!mix.role) throw new Error('no role');
    const mixPolicies = JSON.stringify(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: logicalIdOf(stack, mix.role) }] },
      }),
    );
    expect(mixPolicies).not.toContain('shared-corpus');
  });
});

describe('deployment settings from context', () => {
  test('spot, instance types, max vCPUs and removal policy', () => {
    const { template } = buildStack('mix-train', {
      context: {
        'vlmflow:gpuSpot': 'true',
        'vlmflow:gpuInstanceTypes': 'g6.xlarge, g5',
        'vlmflow:gpuMaxVcpus': '32',
        'vlmflow:removalPolicy': 'destroy',
      },
    });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({
        Type: 'SPOT',
        InstanceTypes: ['g6.xlarge', 'g5'],
        MaxvCpus: 32,
        AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
      }),
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    expect(Object.keys(template.findResources('Custom::S3AutoDeleteObjects'))).toEqual([]);
  });

  test('invalid values fail synth with the key named', () => {
    expect(() =>
      buildStack('curate-custom', { context: { 'vlmflow:removalPolicy': 'snapshot' } }),
    ).toThrow('vlmflow:removalPolicy: expected "retain" or "destroy", got "snapshot"');
    expect(() =>
      buildStack('mix-train', { context: { 'vlmflow:gpuInstanceTypes': 'gpu9000' } }),
    ).toThrow('unknown EC2 instance family "gpu9000"');
    expect(() => buildStack('mix-train', { context: { 'vlmflow:gpuMaxVcpus': '-4' } })).toThrow(
      'vlmflow:gpuMaxVcpus: expected a positive integer, got "-4"',
    );
  });
});
