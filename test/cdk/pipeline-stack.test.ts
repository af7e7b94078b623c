import { Match } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { compile } from '../../infra/compiler';
import { buildStack, loadFixture, logicalIdOf, type Built } from './helpers';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of the policies attached to a role. */
function statementsOf({ template }: Built, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter(
      (policy) =>
        JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleLogicalId }]),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

/** Logical id of the role a function or the state machine runs as. */
function roleOf(built: Built, owner: { readonly role?: iam.IRole }): string {
  if (!owner.role) throw new Error('no role');
  return logicalIdOf(built.stack, owner.role);
}

describe('PipelineStack: a curate-only pipeline with a custom operator', () => {
  const built = buildStack('curate-custom');
  const { stack, template } = built;
  const fnId = (name: 'plan' | 'curate' | 'finalize' | 'summary') =>
    logicalIdOf(stack, stack.stageFunctions.get(name));

  test('the state machine runs the compiled definition with every placeholder mapped', () => {
    const compiled = compile(loadFixture('curate-custom').pipeline.graph);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'vlmflow-cdk-curate',
      StateMachineType: 'STANDARD',
      DefinitionString: JSON.stringify(compiled.definition),
      DefinitionSubstitutions: {
        PlanFunctionArn: { 'Fn::GetAtt': [fnId('plan'), 'Arn'] },
        CurateFunctionArn: { 'Fn::GetAtt': [fnId('curate'), 'Arn'] },
        FinalizeFunctionArn: { 'Fn::GetAtt': [fnId('finalize'), 'Arn'] },
        SummaryFunctionArn: { 'Fn::GetAtt': [fnId('summary'), 'Arn'] },
        DataRoot: {
          'Fn::Join': ['', ['s3://', { Ref: logicalIdOf(stack, stack.dataBucket.bucket) }]],
        },
      },
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
    });
    expect(compiled.substitutions).toEqual([
      'PlanFunctionArn',
      'CurateFunctionArn',
      'FinalizeFunctionArn',
      'SummaryFunctionArn',
      'DataRoot',
    ]);
  });

  test('only the functions the definition calls exist, sized per stage', () => {
    template.resourceCountIs('AWS::Lambda::Function', 4);
    const common = {
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'vlmflow-cdk-curate',
          POWERTOOLS_METRICS_NAMESPACE: 'vlmflow',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
    };
    template.hasResourceProperties('AWS::Lambda::Function', {
      ...common,
      // 2 vCPUs; three samples in flight keep them busy (core/lambda-vcpus.ts).
      Environment: {
        Variables: {
          ...common.Environment.Variables,
          VLMFLOW_IN_FLIGHT: '3',
          UV_THREADPOOL_SIZE: '5',
        },
      },
      MemorySize: 3538,
      Timeout: 900,
      EphemeralStorage: { Size: 10240 },
      Description: 'vlmflow cdk-curate: curate',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ...common,
      MemorySize: 1024,
      Timeout: 300,
      EphemeralStorage: { Size: 512 },
      Description: 'vlmflow cdk-curate: plan',
    });
  });

  test('the data bucket is private, encrypted, TLS-only, unversioned and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'abort-incomplete-multipart-uploads',
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
              Status: 'Enabled',
            },
            ...(
              [
                ['rejects', 90],
                ['tmp', 7],
                ['manifest', 30],
              ] as const
            ).map(([kind, days]) => ({
              Id: `expire-${kind}`,
              Prefix: 'runs/',
              TagFilters: [{ Key: 'vlmflow:kind', Value: kind }],
              ExpirationInDays: days,
              Status: 'Enabled',
            })),
          ],
        },
        VersioningConfiguration: Match.absent(),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    expect(Object.keys(template.findResources('Custom::S3AutoDeleteObjects'))).toEqual([]);
  });

  test('the state machine role invokes the functions, uses runs/ and starts its own child executions', () => {
    const statements = statementsOf(built, roleOf(built, stack.stateMachine.stateMachine));
    expect(actionsOf(statements)).toEqual(
      [
        'lambda:InvokeFunction',
        's3:GetObject',
        's3:PutObject',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
        'states:StartExecution',
        'states:DescribeExecution',
        'states:StopExecution',
        'states:RedriveExecution',
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
      ].sort(),
    );
    const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');
    expect(invoke?.Resource).toEqual(
      (['plan', 'curate', 'finalize', 'summary'] as const).map((n) => ({
        'Fn::GetAtt': [fnId(n), 'Arn'],
      })),
    );
    const start = statements.find((s) => s.Action === 'states:StartExecution');
    expect(JSON.stringify(start?.Resource)).toContain(':stateMachine:vlmflow-cdk-curate"');
    const bucket = logicalIdOf(stack, stack.dataBucket.bucket);
    const runObjects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/runs/*']] };
    expect(statements.filter((s) => String(s.Action).startsWith('s3:'))).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: runObjects },
      {
        Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Effect: 'Allow',
        Resource: runObjects,
      },
    ]);
  });

  test('plan lists and gets under runs/, inputs/ and models/ (it checks model folders); later stages only runs/', () => {
    const bucket = logicalIdOf(stack, stack.dataBucket.bucket);
    const objects = (suffix: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, suffix]],
    });
    const s3Statements = (name: 'plan' | 'finalize') =>
      statementsOf(built, roleOf(built, stack.stageFunctions.get(name))).filter(
        (s) => s.Action === 's3:GetObject' || s.Action === 's3:ListBucket',
      );
    expect(s3Statements('plan')).toEqual([
      {
        Action: 's3:ListBucket',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
        Condition: {
          StringLike: { 's3:prefix': ['runs/*', 'inputs', 'inputs/*', 'models', 'models/*'] },
        },
      },
      {
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: [objects('/runs/*'), objects('/inputs/*'), objects('/models/*')],
      },
    ]);
    expect(s3Statements('finalize')).toEqual([
      {
        Action: 's3:ListBucket',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['runs/*'] } },
      },
      { Action: 's3:GetObject', Effect: 'Allow', Resource: objects('/runs/*') },
    ]);
  });

  test('no Batch resources without a train stage', () => {
    template.resourceCountIs('AWS::Batch::JobQueue', 0);
    template.resourceCountIs('AWS::Batch::JobDefinition', 0);
    template.resourceCountIs('AWS::EC2::VPC', 0);
  });

  test('outputs: state machine, console link, bucket, example input', () => {
    template.hasOutput('StateMachineArn', {});
    template.hasOutput('BucketName', {});
    template.hasOutput('ExampleInput', { Value: '{}' });
    template.hasOutput('ExampleInputWithEveryField', {
      Value: JSON.stringify({
        runId: 'my-run',
        params: {
          maxConcurrency: 40,
          toleratedFailurePercentage: 0,
          statsInJson: true,
          minWords: 2,
        },
        inputs: { pairs: 'inputs/pairs' },
      }),
    });
    const link = JSON.stringify(template.findOutputs('ConsoleLink'));
    expect(link).toContain('https://console.aws.amazon.com/states/home?region=');
    expect(link).toContain('#/statemachines/view/');
  });
});

describe('PipelineStack: a pipeline with run-scoped dedup', () => {
  const { template } = buildStack('dedup-run');

  it('has a dedup function that the state machine can invoke', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { MemorySize: 3008, Handler: Match.anyValue() },
    });
    expect(Object.keys(functions).some((id) => id.includes('dedup'))).toBe(true);
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain('DedupFunctionArn');
  });
});

describe('PipelineStack: storage confinement', () => {
  const { template } = buildStack('mix-train');

  it('confines every function to the data bucket and the declared input locations', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) =>
      String(fn.Properties.Description ?? '').startsWith('vlmflow '),
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const roots = JSON.stringify(fn.Properties.Environment.Variables.VLMFLOW_ALLOWED_ROOTS);
      expect(roots).toContain('s3://');
      expect(roots).toMatch(/DataBucket/);
    }
  });
});
