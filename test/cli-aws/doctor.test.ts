/** `vlmflow doctor`: verdicts from what AWS answers, with the clients mocked at the SDK boundary. */
import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
} from '@aws-sdk/client-batch';
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
    batch: new BatchClient(region),
  } satisfies DoctorClients;
  const mocks = {
    sts: mockClient(c.sts),
    cloudFormation: mockClient(c.cloudFormation),
    sfn: mockClient(c.sfn),
    quotas: mockClient(c.quotas),
    lambda: mockClient(c.lambda),
    s3: mockClient(c.s3),
    batch: mockClient(c.batch),
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
            { OutputKey: 'JobQueueArn', OutputValue: QUEUE },
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
  onInstances(mocks, ['g5'], 'EC2');
}

const QUEUE = 'arn:aws:batch:us-east-1:123456789012:job-queue/TrainingQueue';
const ENVIRONMENT = 'arn:aws:batch:us-east-1:123456789012:compute-environment/GpuInstances';

/** The job queue's one compute environment, with these instance types. */
function onInstances(
  mocks: ReturnType<typeof clients>['mocks'],
  instanceTypes: string[],
  type: 'EC2' | 'SPOT',
) {
  mocks.batch.on(DescribeJobQueuesCommand, { jobQueues: [QUEUE] }).resolves({
    jobQueues: [
      {
        jobQueueName: 'TrainingQueue',
        jobQueueArn: QUEUE,
        state: 'ENABLED',
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: ENVIRONMENT }],
      },
    ],
  });
  mocks.batch
    .on(DescribeComputeEnvironmentsCommand, { computeEnvironments: [ENVIRONMENT] })
    .resolves({
      computeEnvironments: [
        {
          computeEnvironmentName: 'GpuInstances',
          computeEnvironmentArn: ENVIRONMENT,
          computeResources: {
            type,
            instanceTypes,
            maxvCpus: 64,
            subnets: [],
          },
        },
      ],
    });
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
      'Running On-Demand G and VT instances (L-DB2E81BA, for g5): 0 vCPUs; the training job needs 16 (g5.4xlarge): request L-DB2E81BA ≥ 16 in Service Quotas',
    );
  });

  it("checks the quotas of the job queue's actual instance families, Spot or On-Demand", async () => {
    const { clients: c, mocks } = clients();
    healthy(mocks, JSON.stringify(compile(pairsConnector.graph).definition));
    onInstances(mocks, ['p4d.24xlarge', 'g6e', 'vt1'], 'SPOT');
    mocks.quotas
      .on(GetServiceQuotaCommand, { QuotaCode: 'L-7212CCBC' })
      .resolves({ Quota: { Value: 96, QuotaName: 'All P Spot Instance Requests' } });
    mocks.quotas
      .on(GetServiceQuotaCommand, { QuotaCode: 'L-3819A6DF' })
      .resolves({ Quota: { Value: 4 } });
    const quotas = (await runDoctor(pairsConnector.graph, c)).filter(
      (x) => x.check === 'GPU vCPU quota',
    );
    expect(quotas).toEqual([
      {
        check: 'GPU vCPU quota',
        verdict: 'ok',
        detail:
          'All P Spot Instance Requests (L-7212CCBC, for p4d.24xlarge): 96 vCPUs; the training job needs 96 (p4d.24xlarge)',
      },
      {
        check: 'GPU vCPU quota',
        verdict: 'fail',
        detail:
          'All G and VT Spot Instance Requests (L-3819A6DF, for g6e, vt1): 4 vCPUs; the training job needs 8 (g6e.2xlarge): request L-3819A6DF ≥ 8 in Service Quotas',
      },
    ]);
  });

  it('says when it could not read the job queue, and assumes g5 On-Demand', async () => {
    const { clients: c, mocks } = clients();
    healthy(mocks, JSON.stringify(compile(pairsConnector.graph).definition));
    mocks.batch
      .on(DescribeJobQueuesCommand)
      .rejects(new Error('not authorized: batch:DescribeJobQueues'));
    const quota = (await runDoctor(pairsConnector.graph, c)).find(
      (x) => x.check === 'GPU vCPU quota',
    );
    expect(quota?.detail).toContain('L-DB2E81BA');
    expect(quota?.detail).toContain(
      '(job queue not read: not authorized: batch:DescribeJobQueues; assumed g5 On-Demand)',
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

  it('says where the deployed definition differs: a changed default, a state only one has', async () => {
    const { clients: c, mocks } = clients();
    const local = compile(pairsConnector.graph).definition as unknown as {
      States: Record<string, { Parameters: { Payload: Record<string, unknown> } }>;
    };
    const deployed = structuredClone(local);
    const plan = deployed.States.Plan!.Parameters.Payload;
    plan.definitionHash = '0000aaaa';
    (plan.paramSpecs as { trainSteps: { default: number } }).trainSteps.default = 200;
    // Filled at deploy time: a placeholder matches any value.
    plan.dataRoot = 's3://data-bucket';
    deployed.States.Extra = deployed.States.Plan!;
    healthy(mocks, JSON.stringify(deployed));
    const check = (await runDoctor(pairsConnector.graph, c)).find(
      (x) => x.check === 'state machine',
    );
    expect(check?.verdict).toBe('fail');
    expect(check?.detail).toContain(
      '(differs at States.Plan.Parameters.Payload.paramSpecs.trainSteps.default: deployed 200, local 5; States.Extra: deployed {',
    );
    expect(check?.detail).not.toContain('dataRoot');
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
