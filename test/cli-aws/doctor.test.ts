/** `vlmflow doctor`: verdicts from what AWS answers, with the clients mocked at the SDK boundary. */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { compile } from '../../infra/compiler';
import { runDoctor, type DoctorClients } from '../../infra/cli/aws/doctor';
import pairsConnector from '../../pipelines/pairs-connector';

const region = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

function clients() {
  const c = {
    sts: new STSClient(region),
    cloudFormation: new CloudFormationClient(region),
    sfn: new SFNClient(region),
    quotas: new ServiceQuotasClient(region),
    lambda: new LambdaClient(region),
    s3: new S3Client(region),
  } satisfies DoctorClients;
  const mocks = {
    sts: mockClient(c.sts),
    cloudFormation: mockClient(c.cloudFormation),
    sfn: mockClient(c.sfn),
    quotas: mockClient(c.quotas),
    lambda: mockClient(c.lambda),
    s3: mockClient(c.s3),
  };
  return { clients: c, mocks };
}

function healthy(mocks: ReturnType<typeof clients>['mocks'], definition: string) {
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  mocks.cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
    Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }],
  });
  mocks
    .cloudFormation!.on(DescribeStacksCommand, { StackName: 'vlmflow-pairs-connector' })
    .resolves({
      Stacks: [
        {
          StackName: 'vlmflow-pairs-connector',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            {
              OutputKey: 'StateMachineArn',
              OutputValue:
                'arn:aws:states:us-east-1:123456789012:stateMachine:vlmflow-pairs-connector',
            },
            { OutputKey: 'BucketName', OutputValue: 'data-bucket' },
          ],
        },
      ],
    });
  mocks.sfn.on(DescribeStateMachineCommand).resolves({ definition } as never);
  mocks.quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 0 } });
  mocks
    .lambda!.on(GetAccountSettingsCommand)
    .resolves({ AccountLimit: { ConcurrentExecutions: 1000 } });
  mocks.s3.on(HeadBucketCommand).resolves({});
}

describe('vlmflow doctor', () => {
  it('gives each check a verdict and says what to do: a zero GPU quota fails, naming the quota', async () => {
    const { clients: c, mocks } = clients();
    healthy(mocks, JSON.stringify(compile(pairsConnector.graph).definition));
    const checks = await runDoctor(pairsConnector.graph, c);
    expect(checks.map((x) => [x.check, x.verdict])).toEqual([
      ['credentials', 'ok'],
      ['cdk bootstrap', 'ok'],
      ['stack', 'ok'],
      ['state machine', 'ok'],
      ['GPU vCPU quota', 'fail'],
      ['Lambda concurrency', 'ok'],
      ['bucket', 'ok'],
    ]);
    expect(checks.find((x) => x.check === 'GPU vCPU quota')?.detail).toBe(
      'Running On-Demand G and VT instances: 0 vCPUs; the training job needs 16 (g5.4xlarge): request L-DB2E81BA ≥ 16 in Service Quotas',
    );
  });

  it('fails the state machine check when the deployed definition is from another graph', async () => {
    const { clients: c, mocks } = clients();
    healthy(mocks, '{"definitionHash": "0000aaaa", "version": "0.0.1"}');
    const checks = await runDoctor(pairsConnector.graph, c);
    expect(checks.find((x) => x.check === 'state machine')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('run npx cdk deploy vlmflow-pairs-connector'),
    });
  });

  it('stops at credentials, and tells how to bootstrap', async () => {
    const { clients: c, mocks } = clients();
    mocks
      .sts!.on(GetCallerIdentityCommand)
      .rejects(new Error('The security token included in the request is invalid'));
    expect(await runDoctor(undefined, c)).toEqual([
      {
        check: 'credentials',
        verdict: 'fail',
        detail:
          'no usable AWS credentials (The security token included in the request is invalid): set AWS_PROFILE or run aws configure',
      },
    ]);
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
    mocks
      .cloudFormation!.on(DescribeStacksCommand)
      .rejects(new Error('Stack with id CDKToolkit does not exist'));
    const [, bootstrap] = await runDoctor(undefined, c);
    expect(bootstrap?.detail).toBe(
      'Stack with id CDKToolkit does not exist: run npx cdk bootstrap aws://123456789012/us-east-1',
    );
  });
});
