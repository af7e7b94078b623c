/**
 * `npm run test:aws`'s steps (scripts/aws-e2e/end-to-end.ts) against the emulation: "deploy"
 * synthesizes the stack and takes a folder as its bucket, "start" and "describe" are the local
 * run as deployed (every request under the synthesized roles), "destroy" removes the folder.
 * AwsCloud's own calls are checked against the SDK mocked at its boundary.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeployedAccess } from '../../infra/local/deployed/access';
import type { JsonValue } from '../../infra/compiler/asl';
import { AwsCloud } from '../../scripts/aws-e2e/aws-cloud';
import {
  runEndToEnd,
  type Cloud,
  type DeployedStack,
  type ExecutionState,
} from '../../scripts/aws-e2e/end-to-end';
import pairsBasic from '../../pipelines/pairs-basic';
import { makeSampleShards } from '../fixtures/sample-shards';
import { accessFor, runAsDeployed, type RecordedRun } from '../deployed/helpers';

/** The local run as deployed standing in for CloudFormation, S3 and Step Functions. */
class EmulatedCloud implements Cloud {
  readonly deployed = new Map<string, { dir: string; access: DeployedAccess }>();
  readonly destroyed: string[] = [];
  private readonly runs = new Map<string, { settled?: RecordedRun }>();

  async stackExists(stackName: string) {
    return this.deployed.has(stackName);
  }

  async deploy(pipeline: string, stackName: string): Promise<DeployedStack> {
    const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-e2e-bucket-'));
    const access = accessFor(pipeline, dir);
    this.deployed.set(stackName, { dir, access });
    return {
      pipeline,
      stackName,
      bucketName: access.bucketName,
      stateMachineArn: access.stateMachineArn,
      dataRoot: `file://${dir}`,
    };
  }

  async upload(stack: DeployedStack, key: string, body: Buffer) {
    const file = path.join(this.deployed.get(stack.stackName)!.dir, key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, body);
  }

  async start(stack: DeployedStack, input: string) {
    const { access } = this.deployed.get(stack.stackName)!;
    const arn = `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${this.runs.size}`;
    const entry: { settled?: RecordedRun } = {};
    this.runs.set(arn, entry);
    void runAsDeployed(stack.pipeline, access, JSON.parse(input) as JsonValue).then((run) => {
      entry.settled = run;
    });
    return arn;
  }

  async describe(executionArn: string): Promise<ExecutionState> {
    const run = this.runs.get(executionArn)?.settled?.result;
    if (!run) return { status: 'RUNNING' };
    return {
      status: run.status,
      ...(run.output !== undefined && { output: JSON.stringify(run.output) }),
      ...(run.error && { error: run.error.Error, cause: run.error.Cause }),
    };
  }

  read(uri: string) {
    return readFile(fileURLToPath(uri));
  }

  async destroy(stack: DeployedStack) {
    await rm(this.deployed.get(stack.stackName)!.dir, { recursive: true, force: true });
    this.deployed.delete(stack.stackName);
    this.destroyed.push(stack.stackName);
  }
}

const options = (shards: string, samples: number) => ({
  graph: pairsBasic.graph,
  stackName: 'vlmflow-pairs-basic',
  shardDirs: { pairs: shards },
  samples: { pairs: samples },
  pollMs: 50,
});

describe('npm run test:aws, against the local run as deployed', () => {
  let shards: string;
  beforeAll(async () => {
    shards = await mkdtemp(path.join(tmpdir(), 'vlmflow-e2e-shards-'));
    await makeSampleShards(shards, { shards: 2, samplesPerShard: 6, seed: 14 });
  });

  it('deploys, starts {}, checks summary, manifest and report, then destroys', async () => {
    const cloud = new EmulatedCloud();
    const lines: string[] = [];
    const result = await runEndToEnd(cloud, { ...options(shards, 12), log: (l) => lines.push(l) });
    expect(result.summary.status).toBe('SUCCEEDED');
    expect(result.summary.stages.pairs?.in).toBe(12);
    expect(result.reportUri).toMatch(/\/runs\/pairs-basic\/[^/]+\/report\/index\.html$/);
    expect(cloud.destroyed).toEqual(['vlmflow-pairs-basic']);
    expect(lines[0]).toBe('deploying vlmflow-pairs-basic');
    expect(lines.at(-1)).toBe('destroying vlmflow-pairs-basic');
  }, 300_000);

  it('destroys the stack when the run fails, and says why it failed', async () => {
    const cloud = new EmulatedCloud();
    const empty = await mkdtemp(path.join(tmpdir(), 'vlmflow-e2e-none-'));
    await expect(runEndToEnd(cloud, options(empty, 0))).rejects.toThrow(
      /ended FAILED: PlanError .*no shards matching/,
    );
    expect(cloud.destroyed).toEqual(['vlmflow-pairs-basic']);
  }, 120_000);

  it('leaves a stack it did not deploy alone', async () => {
    const cloud = new EmulatedCloud();
    await cloud.deploy('pairs-basic', 'vlmflow-pairs-basic');
    await expect(runEndToEnd(cloud, options(shards, 12))).rejects.toThrow(
      'stack vlmflow-pairs-basic already exists',
    );
    expect(cloud.destroyed).toEqual([]);
  }, 60_000);
});

describe('AwsCloud', () => {
  const region = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

  it('deploys and destroys with the cdk CLI, emptying the bucket first, and uploads with S3', async () => {
    const clients = {
      s3: new S3Client(region),
      sfn: new SFNClient(region),
      cloudFormation: new CloudFormationClient(region),
    };
    const s3 = mockClient(clients.s3);
    const cfn = mockClient(clients.cloudFormation);
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'vlmflow-pairs-basic',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            { OutputKey: 'BucketName', OutputValue: 'data' },
            {
              OutputKey: 'StateMachineArn',
              OutputValue: 'arn:aws:states:us-east-1:1:stateMachine:m',
            },
          ],
        },
      ],
    });
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'inputs/pairs/a.tar' }], NextContinuationToken: 't' })
      .resolves({ Contents: [{ Key: 'runs/x' }] });
    const cdk: string[][] = [];
    const cloud = new AwsCloud(clients, async (args) => void cdk.push([...args]));

    const stack = await cloud.deploy('pairs-basic', 'vlmflow-pairs-basic');
    expect(stack).toEqual({
      pipeline: 'pairs-basic',
      stackName: 'vlmflow-pairs-basic',
      bucketName: 'data',
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:m',
      dataRoot: 's3://data',
    });
    await cloud.upload(stack, 'inputs/pairs/a.tar', Buffer.from('x'));
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'data',
      Key: 'inputs/pairs/a.tar',
    });
    await cloud.destroy(stack);
    expect(
      s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects),
    ).toEqual([[{ Key: 'inputs/pairs/a.tar' }], [{ Key: 'runs/x' }]]);
    const context = ['-c', 'pipeline=pairs-basic', '-c', 'vlmflow:removalPolicy=destroy'];
    expect(cdk).toEqual([
      ['deploy', 'vlmflow-pairs-basic', ...context, '--require-approval', 'never'],
      ['destroy', 'vlmflow-pairs-basic', ...context, '--force'],
    ]);
  });
});
