/** `vlmflow:*` context: each option's effect on the template, and cdk-nag with it. */
import { Validations } from 'aws-cdk-lib';
import { LAMBDA_FUNCTION_NAMES } from '../../core/functions';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildStack, logicalIdOf, type BuildOptions, type FixtureName } from './helpers';

function nagClean(fixture: FixtureName, options: BuildOptions): string {
  const { app } = buildStack(fixture, options);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return '';
  } catch (error) {
    return String(error);
  }
}

describe('vlmflow:kms=true', () => {
  const built = buildStack('mix-train', { context: { 'vlmflow:kms': 'true' } });
  const { stack, template } = built;

  test('the bucket is encrypted with a rotated key of the stack, with S3 Bucket Keys', () => {
    const key = stack.dataBucket.bucket.encryptionKey;
    if (!key) throw new Error('no key');
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(stack, key), 'Arn'] },
            },
          },
        ],
      },
    });
  });

  test('every role that touches runs/ may use that key, and only that key', () => {
    const key = stack.dataBucket.bucket.encryptionKey;
    if (!key) throw new Error('no key');
    const keyStatement = {
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [logicalIdOf(stack, key), 'Arn'] },
    };
    const roles = [
      ...[...stack.stageFunctions.functions.values()].map((fn) => fn.role),
      stack.stateMachine.stateMachine.role,
    ];
    for (const role of roles) {
      if (!role) throw new Error('no role');
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalIdOf(stack, role) }],
        PolicyDocument: { Statement: Match.arrayWith([keyStatement]) },
      });
    }
  });

  test('cdk-nag clean', () => {
    expect(nagClean('mix-train', { context: { 'vlmflow:kms': 'true' } })).toBe('');
  });
});

describe('sizing, retention and training switches', () => {
  test('vlmflow:functions overrides one function and keeps the others at their defaults', () => {
    const { template } = buildStack('curate-custom', {
      context: {
        'vlmflow:functions':
          '{"curate":{"memoryMiB":4096,"timeoutSeconds":600,"ephemeralStorageMiB":2048}}',
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'vlmflow cdk-curate: curate',
      MemorySize: 4096,
      Timeout: 600,
      EphemeralStorage: { Size: 2048 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'vlmflow cdk-curate: plan',
      MemorySize: 1024,
      Timeout: 300,
    });
  });

  test('vlmflow:architecture=arm64 puts every function on Graviton', () => {
    const { template } = buildStack('curate-custom', {
      context: { 'vlmflow:architecture': 'arm64' },
    });
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.Properties.Architectures).toEqual(['arm64']);
  });

  test('vlmflow:logRetentionDays applies to every log group', () => {
    const { template } = buildStack('mix-train', { context: { 'vlmflow:logRetentionDays': '7' } });
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(6);
    expect(new Set(groups.map((g) => g.Properties.RetentionInDays as number))).toEqual(
      new Set([7]),
    );
  });

  test('vlmflow:training=off: no Batch resources; the train placeholders name a queue that does not exist', () => {
    const options = { context: { 'vlmflow:training': 'off' } };
    const { template } = buildStack('mix-train', options);
    template.resourceCountIs('AWS::Batch::JobQueue', 0);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(JSON.stringify(machine?.Properties.DefinitionSubstitutions.TrainJobQueueArn)).toContain(
      ':job-queue/vlmflow-cdk-train-training-not-deployed',
    );
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('batch:');
    expect(nagClean('mix-train', options)).toBe('');
  });

  test('the training container gets a quarter of its memory as /dev/shm', () => {
    const { template } = buildStack('mix-train');
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: Match.objectLike({ LinuxParameters: { SharedMemorySize: 30000 } }),
    });
  });

  test('vlmflow:vpcId puts the GPU instances in the looked-up VPC, in its private subnets', () => {
    const account = '123456789012';
    const region = 'eu-west-1';
    const vpcId = 'vpc-0abc12345';
    const subnet = (id: string, az: string) => ({
      subnetId: id,
      cidr: '10.0.0.0/24',
      availabilityZone: az,
      routeTableId: `rtb-${id.slice(7)}`,
    });
    const { template } = buildStack('mix-train', {
      env: { account, region },
      context: {
        'vlmflow:vpcId': vpcId,
        // What `cdk synth` with credentials caches in cdk.context.json after the lookup.
        [`vpc-provider:account=${account}:filter.vpc-id=${vpcId}:region=${region}:returnAsymmetricSubnets=true`]:
          {
            vpcId,
            vpcCidrBlock: '10.0.0.0/16',
            availabilityZones: [],
            subnetGroups: [
              {
                name: 'private',
                type: 'Private',
                subnets: [
                  subnet('subnet-0aaa1111', 'eu-west-1a'),
                  subnet('subnet-0bbb2222', 'eu-west-1b'),
                ],
              },
              {
                name: 'public',
                type: 'Public',
                subnets: [subnet('subnet-0ccc3333', 'eu-west-1a')],
              },
            ],
          },
      },
    });
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Subnets: ['subnet-0aaa1111', 'subnet-0bbb2222'] }),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: vpcId });
  });

  test('invalid values fail synth with the key and the allowed values named', () => {
    expect(() => buildStack('curate-custom', { context: { 'vlmflow:kms': 'yes' } })).toThrow(
      'vlmflow:kms: expected true or false, got "yes"',
    );
    expect(() =>
      buildStack('curate-custom', { context: { 'vlmflow:logRetentionDays': '10' } }),
    ).toThrow('vlmflow:logRetentionDays: expected one of 1, 3, 5, 7, 14, 30,');
    expect(() =>
      buildStack('curate-custom', { context: { 'vlmflow:functions': '{"curate":{"memory":1}}' } }),
    ).toThrow(
      'vlmflow:functions.curate.memory: unknown field (known: memoryMiB, timeoutSeconds, ephemeralStorageMiB)',
    );
    expect(() =>
      buildStack('curate-custom', {
        context: { 'vlmflow:functions': '{"train":{"memoryMiB":1}}' },
      }),
    ).toThrow(
      `vlmflow:functions.train: unknown function (known: ${LAMBDA_FUNCTION_NAMES.join(', ')})`,
    );
    expect(() => buildStack('mix-train', { context: { 'vlmflow:vpcId': 'default' } })).toThrow(
      'vlmflow:vpcId: expected a VPC id like vpc-0abc1234, got "default"',
    );
    expect(() =>
      buildStack('curate-custom', { context: { 'vlmflow:architecture': 'aarch64' } }),
    ).toThrow('vlmflow:architecture: expected x86_64 or arm64, got "aarch64"');
    expect(() => buildStack('mix-train', { context: { 'vlmflow:training': 'maybe' } })).toThrow(
      'vlmflow:training: expected "batch" or "off", got "maybe"',
    );
  });
});
