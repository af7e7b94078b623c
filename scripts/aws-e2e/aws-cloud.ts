/**
 * The Cloud of `npm run test:aws` on a real account: the cdk CLI deploys and destroys (as a
 * user would, `-c pipeline=<name>` and the `destroy` removal policy so nothing is left), the
 * AWS SDK does the rest. The SDK clients and the cdk runner are injected, so tests can stand
 * in for AWS at its boundary.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CONTEXT_KEYS } from '../../infra/cdk/context';
import { parseUri } from '../../core/uri';
import type { Cloud, DeployedStack, ExecutionState } from './end-to-end';

const ROOT = path.resolve(__dirname, '..', '..');

export interface AwsClients {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly cloudFormation: CloudFormationClient;
}

/** Runs `npx cdk <args>` in the repository, its output shown; rejects on a non-zero exit. */
export type CdkRunner = (args: readonly string[]) => Promise<void>;

export const runCdk: CdkRunner = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', ...args], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`cdk ${args.join(' ')} exited with ${code}`)),
    );
  });

export function defaultAwsClients(): AwsClients {
  return {
    s3: new S3Client({}),
    sfn: new SFNClient({}),
    cloudFormation: new CloudFormationClient({}),
  };
}

export class AwsCloud implements Cloud {
  constructor(
    private readonly clients: AwsClients,
    private readonly cdk: CdkRunner = runCdk,
  ) {}

  /** The app limited to the pipeline; the bucket removed with the stack. */
  private context(pipeline: string): string[] {
    return [
      '-c',
      `${CONTEXT_KEYS.pipeline}=${pipeline}`,
      '-c',
      `${CONTEXT_KEYS.removalPolicy}=destroy`,
    ];
  }

  async stackExists(stackName: string): Promise<boolean> {
    try {
      const { Stacks } = await this.clients.cloudFormation.send(
        new DescribeStacksCommand({ StackName: stackName }),
      );
      return (Stacks ?? []).some((s) => s.StackStatus !== 'DELETE_COMPLETE');
    } catch (error) {
      if (error instanceof Error && /does not exist/.test(error.message)) return false;
      throw error;
    }
  }

  async deploy(pipeline: string, stackName: string): Promise<DeployedStack> {
    await this.cdk(['deploy', stackName, ...this.context(pipeline), '--require-approval', 'never']);
    const { Stacks } = await this.clients.cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    const outputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
    const { BucketName: bucketName, StateMachineArn: stateMachineArn } = outputs;
    if (!bucketName || !stateMachineArn)
      throw new Error(`stack ${stackName} has no BucketName or StateMachineArn output`);
    return { pipeline, stackName, bucketName, stateMachineArn, dataRoot: `s3://${bucketName}` };
  }

  async upload(stack: DeployedStack, key: string, body: Buffer): Promise<void> {
    await this.clients.s3.send(
      new PutObjectCommand({ Bucket: stack.bucketName, Key: key, Body: body }),
    );
  }

  async start(stack: DeployedStack, input: string): Promise<string> {
    const { executionArn } = await this.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, input }),
    );
    if (!executionArn) throw new Error('StartExecution returned no executionArn');
    return executionArn;
  }

  async describe(executionArn: string): Promise<ExecutionState> {
    const e = await this.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      status: e.status ?? 'UNKNOWN',
      ...(e.output !== undefined && { output: e.output }),
      ...(e.error !== undefined && { error: e.error }),
      ...(e.cause !== undefined && { cause: e.cause }),
    };
  }

  async read(uri: string): Promise<Buffer> {
    const parsed = parseUri(uri);
    if (parsed.scheme !== 's3') throw new Error(`${uri}: expected an s3:// URI`);
    const { Body } = await this.clients.s3.send(
      new GetObjectCommand({ Bucket: parsed.bucket, Key: parsed.key }),
    );
    if (!Body) throw new Error(`${uri}: empty response`);
    return Buffer.from(await Body.transformToByteArray());
  }

  async destroy(stack: DeployedStack): Promise<void> {
    await this.emptyBucket(stack.bucketName);
    await this.cdk(['destroy', stack.stackName, ...this.context(stack.pipeline), '--force']);
  }

  /** DeleteObjects takes at most 1,000 keys; the bucket is not versioned (data-bucket.ts). */
  private async emptyBucket(bucket: string): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.clients.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length > 0)
        await this.clients.s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
        );
      token = page.NextContinuationToken;
    } while (token);
  }
}
